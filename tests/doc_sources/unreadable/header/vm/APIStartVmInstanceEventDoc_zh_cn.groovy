package org.zstack.header.vm

import org.zstack.header.errorcode.ErrorCode

doc {

    title "启动云主机的结果"

    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.vm.APIStartVmInstanceEvent.error"
        desc "错误码，不为null时表示没有启动", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
}
