package org.zstack.header.organization

import org.zstack.header.organization.APICreateOrganizationEvent

// Written for zstack-contract's tests: the answer is a tree, whose inventory refers to its own
// class for its children; the page shows no table for that reference.
doc {
    title "创建组织(CreateOrganization)"

    category "organization"

    desc """创建一个组织，可以挂在另一个组织下面"""

    rest {
        request {
            url "POST /v1/organizations"

            header (Authorization: 'OAuth the-session-uuid')

            clz APICreateOrganizationMsg.class

            desc """"""

            params {

                column {
                    name "name"
                    enclosedIn "params"
                    desc "组织的名字"
                    location "body"
                    type "String"
                    optional false
                    since "3.2.0"
                }
                column {
                    name "parentUuid"
                    enclosedIn "params"
                    desc "上级组织的UUID，不给则创建顶层组织"
                    location "body"
                    type "String"
                    optional true
                    since "3.2.0"
                }
                column {
                    name "systemTags"
                    enclosedIn ""
                    desc "系统标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.2.0"
                }
                column {
                    name "userTags"
                    enclosedIn ""
                    desc "用户标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.2.0"
                }
            }
        }

        response {
            clz APICreateOrganizationEvent.class
        }
    }
}
