package org.zstack.header.vm

import org.zstack.header.errorcode.ErrorCode

doc {

    title "重启云主机的结果"

    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.vm.APIRebootVmInstanceEvent.error"
        desc "错误码，不为null时表示没有重启", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
}
