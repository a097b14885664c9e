package org.zstack.header.vm

import java.lang.Long
import java.sql.Timestamp
import org.zstack.header.vm.VmNicInventory

doc {

    title "云主机清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "name"
        desc "资源名称"
        type "String"
        since "0.6"
    }
    field {
        name "memorySize"
        desc ""
        type "Long"
        since "0.6"
    }
    field {
        name "cpuNum"
        desc ""
        type "Integer"
        since "0.6"
    }
    field {
        name "createDate"
        desc "创建时间"
        type "Timestamp"
        since "0.6"
    }
    field {
        name "lastOpDate"
        desc "最后一次修改时间"
        type "Timestamp"
        since "0.6"
    }
    /* the state comes before the NICs on the page: every field comes before every ref */
    ref {
        name "vmNics"
        path "org.zstack.header.vm.VmInstanceInventory.vmNics"
        desc "网卡"
        type "List"
        since "0.6"
        clz VmNicInventory.class
    }
    field {
        name "state"
        desc "云主机状态"
        type "String"
        since "0.6"
    }
}
