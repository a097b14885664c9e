package org.zstack.header.network.l3

import org.zstack.header.errorcode.ErrorCode

doc {

    title "已用IP的列表"

    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.network.l3.APIGetL3NetworkUsedIpReply.error"
        desc "错误码，不为null时表示查询失败", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventories"
        path "org.zstack.header.network.l3.APIGetL3NetworkUsedIpReply.inventories"
        desc "每个已用IP一项"
        type "List"
        since "0.6"
        clz UsedIpInventory.class
    }
}
