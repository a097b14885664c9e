package org.zstack.header.cluster

import org.zstack.header.zone.ZoneInventory

doc {

    title "集群清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "name"
        desc "集群的名字"
        type "String"
        since "0.6"
    }
    // no ZoneInventoryDoc_zh_cn.groovy among these files
    ref {
        name "zone"
        path "org.zstack.header.cluster.ClusterInventory.zone"
        desc "集群所在的区域"
        type "ZoneInventory"
        since "0.6"
        clz ZoneInventory.class
    }
    ref {
        name "hosts"
        path "org.zstack.header.cluster.ClusterInventory.hosts"
        desc "集群里的物理机"
        type "List"
        since "0.6"
        clz HostInventory.class
    }
}
