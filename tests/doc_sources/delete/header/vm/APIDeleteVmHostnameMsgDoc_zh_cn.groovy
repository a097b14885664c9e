package org.zstack.header.vm

import org.zstack.header.vm.APIDeleteVmHostnameEvent

// Written for zstack-contract's tests: the facts of tests/pages/DeleteVmHostname.txt (and its
// Chinese page), an API that answers {} on success.
doc {
    title "删除云主机Hostname(DeleteVmHostname)"

    category "vmInstance"

    desc """删除云主机的Hostname"""

    rest {
        request {
            url "DELETE /v1/vm-instances/{uuid}/hostnames"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIDeleteVmHostnameMsg.class

            desc ""

            params {

                column {
                    name "uuid"
                    enclosedIn ""
                    desc "云主机的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
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
                column {
                    name "deleteMode"
                    enclosedIn ""
                    desc "删除模式"
                    location "body"
                    type "String"
                    optional true
                    since "0.6"
                    values ("Permissive","Enforcing")
                }
            }
        }

        response {
            clz APIDeleteVmHostnameEvent.class
        }
    }
}
