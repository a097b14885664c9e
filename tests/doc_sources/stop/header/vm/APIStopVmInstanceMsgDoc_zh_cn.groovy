package org.zstack.header.vm

import org.zstack.header.vm.APIStopVmInstanceEvent

// Written for zstack-contract's tests, on the layout of ZStack's doc sources: the facts of
// tests/pages/StopVmInstance.txt, said the way a doc source says them.
doc {
    title "停止云主机(StopVmInstance)"

    category "vmInstance"

    desc """停止一台云主机"""

    rest {
        request {
            url "PUT /v1/vm-instances/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIStopVmInstanceMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn "stopVmInstance"
                    desc "云主机的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "type"
                    enclosedIn "stopVmInstance"
                    desc "停止方式"
                    location "body"
                    type "String"
                    optional true
                    since "0.6"
                    values ("grace","cold")
                }
                column {
                    name "stopHA"
                    enclosedIn "stopVmInstance"
                    desc '是否停止开启了高可用的云主机'
                    location "body"
                    type "boolean"
                    optional true
                    since "2.3.1"
                }
                column {
                    name "systemTags"
                    enclosedIn ""
                    desc "系统标签"
                    location "body"
                    type "List"
                    optional true
                    since "0.6"
                }
                column {
                    name "userTags"
                    enclosedIn ""
                    desc "用户标签"
                    location "body"
                    type "List"
                    optional true
                    since "0.6"
                }
            }
        }

        response {
            clz APIStopVmInstanceEvent.class
        }
    }
}
