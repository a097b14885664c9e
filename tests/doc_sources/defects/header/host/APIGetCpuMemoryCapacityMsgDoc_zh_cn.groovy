package org.zstack.header.allocator

import org.zstack.header.allocator.APIGetCpuMemoryCapacityReply

// Written for zstack-contract's tests: the API's description holds a table of its own, which the
// page shows before the request part; the page reads no table there.
doc {
    title "获取CPU和内存容量(GetCpuMemoryCapacity)"

    category "host"

    desc """统计物理机的CPU与内存容量。统计的范围由下面的条件之一决定：

|名字|类型|描述|
|---|---|---|
|zoneUuids|List|只统计这些区域里的物理机|
|clusterUuids|List|只统计这些集群里的物理机|

一个条件也不给时统计全部物理机。"""

    rest {
        request {
            url "GET /v1/hosts/capacities/cpu-memory"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIGetCpuMemoryCapacityMsg.class

            desc """"""

            params {

                column {
                    name "zoneUuids"
                    enclosedIn ""
                    desc "区域的UUID列表"
                    location "query"
                    type "List"
                    optional true
                    since "0.6"
                }
                column {
                    name "clusterUuids"
                    enclosedIn ""
                    desc "集群的UUID列表"
                    location "query"
                    type "List"
                    optional true
                    since "0.6"
                }
            }
        }

        response {
            clz APIGetCpuMemoryCapacityReply.class
        }
    }
}
