package org.zstack.header.identity

import org.zstack.header.identity.APICreateAccountEvent

// Written for zstack-contract's tests: the facts of tests/pages/CreateAccount.txt, a create that
// takes its parameters under "params".
doc {
    title "创建账户(CreateAccount)"

    category "identity"

    desc """创建一个账户"""

    rest {
        request {
            url "POST /v1/accounts"

            header (Authorization: 'OAuth the-session-uuid')

            clz APICreateAccountMsg.class

            desc """"""

            params {

                column {
                    name "name"
                    enclosedIn "params"
                    desc "账户名"
                    location "body"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "password"
                    enclosedIn "params"
                    desc "密码的SHA-512"
                    location "body"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "type"
                    enclosedIn "params"
                    desc "账户类型"
                    location "body"
                    type "String"
                    optional true
                    since "0.6"
                    values ("SystemAdmin","Normal")
                }
                column {
                    name "description"
                    enclosedIn "params"
                    desc "账户的描述"
                    location "body"
                    type "String"
                    optional true
                    since "0.6"
                }
                column {
                    name "resourceUuid"
                    enclosedIn "params"
                    desc "新账户的UUID"
                    location "body"
                    type "String"
                    optional true
                    since "0.6"
                }
                column {
                    name "tagUuids"
                    enclosedIn "params"
                    desc "标签UUID列表"
                    location "body"
                    type "List"
                    optional true
                    since "3.4.0"
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
            clz APICreateAccountEvent.class
        }
    }
}
