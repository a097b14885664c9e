package org.zstack.header.identity.role

doc {

    title "角色清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "3.1.0"
    }
    field {
        name "name"
        desc "角色的名字"
        type "String"
        since "3.1.0"
    }
    field {
        name "state"
        desc "角色现在的状态"
        type "String"
        since "3.1.0"
    }
    // an enum class for a type: a string of one of its constants' names, with no table
    field {
        name "type"
        desc "类型"
        type "IpRangeType"
        since "3.1.0"
    }
}
