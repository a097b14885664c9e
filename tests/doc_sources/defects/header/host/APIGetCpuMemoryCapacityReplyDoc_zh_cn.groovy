package org.zstack.header.allocator

import org.zstack.header.errorcode.ErrorCode

doc {

    title "CPU和内存容量"

    field {
        name "totalCpu"
        desc "CPU总数"
        type "long"
        since "0.6"
    }
    field {
        name "availableCpu"
        desc "尚未分配的CPU数"
        type "long"
        since "0.6"
    }
    field {
        name "totalMemory"
        desc "内存总量，单位字节"
        type "long"
        since "0.6"
    }
    field {
        name "availableMemory"
        desc "尚未分配的内存，单位字节"
        type "long"
        since "0.6"
    }
    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.allocator.APIGetCpuMemoryCapacityReply.error"
        desc "错误码，不为null时表示统计失败", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
}
