package org.zstack.header.vm

import org.zstack.header.vm.APIQueryVmInstanceReply
import org.zstack.header.query.APIQueryMessage

// Written for zstack-contract's tests: the facts of tests/pages/zh/QueryVmInstance.txt; a query
// takes APIQueryMessage's parameters, and its page shows the queryable-fields note instead.
doc {
    title "查询云主机(QueryVmInstance)"

    category "vmInstance"

    desc """查询云主机"""

    rest {
        request {
            url "GET /v1/vm-instances"
            url "GET /v1/vm-instances/{uuid}"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIQueryVmInstanceMsg.class

            desc """"""

            params APIQueryMessage.class
        }

        response {
            clz APIQueryVmInstanceReply.class
        }
    }
}
