package org.zstack.header.identity.role

import org.zstack.header.errorcode.ErrorCode

doc {

    title "改变角色状态的结果"

    ref {
        name "error"
        path "org.zstack.header.identity.role.APIChangeRoleStateEvent.error"
        desc "错误码，不为null时表示状态没有改变", false
        type "ErrorCode"
        since "3.1.0"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.identity.role.APIChangeRoleStateEvent.inventory"
        desc "改变后的角色"
        type "RoleInventory"
        since "3.1.0"
        clz RoleInventory.class
    }
}
