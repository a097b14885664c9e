package org.zstack.header.cluster

import org.zstack.header.cluster.APIGetClusterTopologyReply

// Written for zstack-contract's tests: defects only the doc source shows, each a warning naming
// its line, the API derived all the same. The title names another API than the message class
// does; the doc block has a statement the DSL does not; the inventory refers to a class no file
// documents, and to a class that refers back to it.
doc {
    title "获取集群拓扑(GetClusterLayout)"

    category "cluster"

    deprecated true

    desc """列出集群以及集群里的物理机"""

    rest {
        request {
            url "GET /v1/clusters/{uuid}/topology"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIGetClusterTopologyMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn ""
                    desc "集群的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
            }
        }

        response {
            clz APIGetClusterTopologyReply.class
        }
    }
}
