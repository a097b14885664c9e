package org.zstack.header.securitygroup

import org.zstack.header.securitygroup.APIAddSecurityGroupRuleEvent

// Written for zstack-contract's tests: a create whose parameter "rules" (a List) has the name of a
// section of its answer (the inventory's "rules", a table of SecurityGroupRuleInventory). The
// parameter is a column, never that table.
doc {
    title "添加安全组规则(AddSecurityGroupRule)"

    category "securityGroup"

    desc """给安全组加上若干条规则"""

    rest {
        request {
            url "POST /v1/security-groups/{securityGroupUuid}/rules"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIAddSecurityGroupRuleMsg.class

            desc """"""

            params {

                column {
                    name "securityGroupUuid"
                    enclosedIn "params"
                    desc "要加规则的安全组"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "rules"
                    enclosedIn "params"
                    desc "要加上的规则，每条一个对象"
                    location "body"
                    type "List"
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
            }
        }

        response {
            clz APIAddSecurityGroupRuleEvent.class
        }
    }
}
