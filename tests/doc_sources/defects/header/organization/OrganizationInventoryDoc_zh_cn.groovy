package org.zstack.header.organization

doc {

    title "组织清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "3.2.0"
    }
    field {
        name "name"
        desc "组织的名字"
        type "String"
        since "3.2.0"
    }
    field {
        name "parentUuid"
        desc "上级组织的UUID，顶层组织为null"
        type "String"
        since "3.2.0"
    }
    ref {
        name "children"
        path "org.zstack.header.organization.OrganizationInventory.children"
        desc "直属的下级组织"
        type "List"
        since "3.2.0"
        clz OrganizationInventory.class
    }
}
