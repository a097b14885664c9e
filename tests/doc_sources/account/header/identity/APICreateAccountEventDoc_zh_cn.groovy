package org.zstack.header.identity

import org.zstack.header.errorcode.ErrorCode
import org.zstack.header.identity.AccountInventory

doc {

    title "账户"

    ref {
        name "error"
        path "org.zstack.header.identity.APICreateAccountEvent.error"
        desc "错误码", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.identity.APICreateAccountEvent.inventory"
        desc "账户清单"
        type "AccountInventory"
        since "0.6"
        clz AccountInventory.class
    }
}
