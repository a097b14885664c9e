package org.zstack.header.identity.role

import org.zstack.header.identity.role.APIChangeRoleStateEvent

// Written for zstack-contract's tests: fields typed by an enum class (RoleStateEvent, IpRangeType),
// which has no table: Gson writes a constant by its name.
doc {
    title "改变角色状态(ChangeRoleState)"

    category "identity"

    desc """启用或停用一个角色"""

    rest {
        request {
            url "PUT /v1/identities/roles/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIChangeRoleStateMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn "changeRoleState"
                    desc "角色的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "3.1.0"
                }
                column {
                    name "stateEvent"
                    enclosedIn "changeRoleState"
                    desc "要做的状态变化"
                    location "body"
                    type "RoleStateEvent"
                    optional false
                    since "3.1.0"
                    values ("enable","disable")
                }
                column {
                    name "systemTags"
                    enclosedIn ""
                    desc "系统标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.1.0"
                }
                column {
                    name "userTags"
                    enclosedIn ""
                    desc "用户标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.1.0"
                }
            }
        }

        response {
            clz APIChangeRoleStateEvent.class
        }
    }
}
