package org.zstack.header.vm

import org.zstack.header.vm.APIStartVmInstanceEvent

// Written for zstack-contract's tests: an API beside one whose doc cannot be read; it is derived
// all the same.
doc {
    title "启动云主机(StartVmInstance)"

    category "vmInstance"

    desc """启动一台停止的云主机"""

    rest {
        request {
            url "PUT /v1/vm-instances/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIStartVmInstanceMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn "startVmInstance"
                    desc "云主机的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
            }
        }

        response {
            clz APIStartVmInstanceEvent.class
        }
    }
}
