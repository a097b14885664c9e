package org.zstack.header.vm

import org.zstack.header.errorcode.ErrorCode
import org.zstack.header.vm.VmInstanceInventory

doc {

    title "停止云主机的结果"

    ref {
        name "error"
        path "org.zstack.header.vm.APIStopVmInstanceEvent.error"
        desc "错误码，若不为null，则表示操作失败", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.vm.APIStopVmInstanceEvent.inventory"
        desc "停止后的云主机"
        type "VmInstanceInventory"
        since "0.6"
        clz VmInstanceInventory.class
    }
}
