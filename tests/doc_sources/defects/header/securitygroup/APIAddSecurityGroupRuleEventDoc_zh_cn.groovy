package org.zstack.header.securitygroup

import org.zstack.header.errorcode.ErrorCode

doc {

    title "添加安全组规则的结果"

    ref {
        name "error"
        path "org.zstack.header.securitygroup.APIAddSecurityGroupRuleEvent.error"
        desc "错误码，不为null时表示没有加上", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.securitygroup.APIAddSecurityGroupRuleEvent.inventory"
        desc "加过规则的安全组"
        type "SecurityGroupInventory"
        since "0.6"
        clz SecurityGroupInventory.class
    }
}
