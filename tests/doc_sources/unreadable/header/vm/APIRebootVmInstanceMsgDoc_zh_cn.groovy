package org.zstack.header.vm

import org.zstack.header.vm.APIRebootVmInstanceEvent

// Written for zstack-contract's tests: a description Groovy would interpolate, which a reader
// that does not run the file cannot know: the file is unusable, and named with its line.
doc {
    title "重启云主机(RebootVmInstance)"

    category "vmInstance"

    desc "重启一台${kind}云主机"

    rest {
        request {
            url "PUT /v1/vm-instances/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIRebootVmInstanceMsg.class

            desc """"""
        }

        response {
            clz APIRebootVmInstanceEvent.class
        }
    }
}
