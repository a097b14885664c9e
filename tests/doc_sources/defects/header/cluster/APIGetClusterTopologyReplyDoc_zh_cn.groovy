package org.zstack.header.cluster

import org.zstack.header.errorcode.ErrorCode

doc {

    title "集群拓扑"

    field {
        name "success"
        desc ""
        type "boolean"
        since "0.6"
    }
    ref {
        name "error"
        path "org.zstack.header.cluster.APIGetClusterTopologyReply.error"
        desc "错误码，不为null时表示获取失败", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.cluster.APIGetClusterTopologyReply.inventory"
        desc "集群"
        type "ClusterInventory"
        since "0.6"
        clz ClusterInventory.class
    }
}
