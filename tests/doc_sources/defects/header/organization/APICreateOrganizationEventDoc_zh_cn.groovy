package org.zstack.header.organization

import org.zstack.header.errorcode.ErrorCode

doc {

    title "创建组织的结果"

    ref {
        name "error"
        path "org.zstack.header.organization.APICreateOrganizationEvent.error"
        desc "错误码，不为null时表示没有创建", false
        type "ErrorCode"
        since "3.2.0"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.organization.APICreateOrganizationEvent.inventory"
        desc "新建的组织"
        type "OrganizationInventory"
        since "3.2.0"
        clz OrganizationInventory.class
    }
}
