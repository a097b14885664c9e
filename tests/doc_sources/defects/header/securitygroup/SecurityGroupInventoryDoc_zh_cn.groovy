package org.zstack.header.securitygroup

doc {

    title "安全组清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "name"
        desc "安全组的名字"
        type "String"
        since "0.6"
    }
    ref {
        name "rules"
        path "org.zstack.header.securitygroup.SecurityGroupInventory.rules"
        desc "安全组现有的全部规则"
        type "List"
        since "0.6"
        clz SecurityGroupRuleInventory.class
    }
}
