package org.zstack.header.longjob

import org.zstack.header.longjob.APIRerunLongJobEvent

// Written for zstack-contract's tests: the answer's inventory refers to ErrorCode as the answer
// itself does, so the page shows the #error table twice, row for row the same.
doc {
    title "重新执行长任务(RerunLongJob)"

    category "longJob"

    desc """让一个已经结束的长任务再执行一遍"""

    rest {
        request {
            url "PUT /v1/longjobs/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIRerunLongJobMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn "rerunLongJob"
                    desc "长任务的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "3.6.0"
                }
                column {
                    name "systemTags"
                    enclosedIn ""
                    desc "系统标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.6.0"
                }
                column {
                    name "userTags"
                    enclosedIn ""
                    desc "用户标签"
                    location "body"
                    type "List"
                    optional true
                    since "3.6.0"
                }
            }
        }

        response {
            clz APIRerunLongJobEvent.class
        }
    }
}
