package org.zstack.header.vm

import org.zstack.header.errorcode.ErrorCode

doc {

    title "删除的结果"

    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.vm.APIDeleteVmHostnameEvent.error"
        desc "错误码", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
}
