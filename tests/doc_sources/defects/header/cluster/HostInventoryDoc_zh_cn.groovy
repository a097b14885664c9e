package org.zstack.header.cluster

doc {

    title "物理机清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "managementIp"
        desc "物理机的管理IP"
        type "String"
        since "0.6"
    }
    // back to the class that refers here: the two refer to each other
    ref {
        name "cluster"
        path "org.zstack.header.cluster.HostInventory.cluster"
        desc "物理机所在的集群"
        type "ClusterInventory"
        since "0.6"
        clz ClusterInventory.class
    }
}
