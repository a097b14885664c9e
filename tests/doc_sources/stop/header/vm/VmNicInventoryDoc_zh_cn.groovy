package org.zstack.header.vm

doc {

    title "网卡清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "vmInstanceUuid"
        desc "云主机UUID"
        type "String"
        since "0.6"
    }
    field {
        name "ip"
        desc ""
        type "String"
        since "0.6"
    }
    field {
        name "deviceId"
        desc ""
        type "int"
        since "0.6"
    }
}
