package org.zstack.header.network.l3

import org.zstack.header.network.l3.APIGetL3NetworkUsedIpReply

// Written for zstack-contract's tests: an answer whose inventory has a byte[] field, which Gson
// writes as an array of signed bytes.
doc {
    title "获取三层网络已用IP(GetL3NetworkUsedIp)"

    category "l3Network"

    desc """列出一个三层网络里已经分配出去的IP地址"""

    rest {
        request {
            url "GET /v1/l3-networks/{l3NetworkUuid}/used-ips"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIGetL3NetworkUsedIpMsg.class

            desc """"""

            params {

                column {
                    name "l3NetworkUuid"
                    enclosedIn ""
                    desc "三层网络的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "systemTags"
                    enclosedIn ""
                    desc "系统标签"
                    location "query"
                    type "List"
                    optional true
                    since "0.6"
                }
                column {
                    name "userTags"
                    enclosedIn ""
                    desc "用户标签"
                    location "query"
                    type "List"
                    optional true
                    since "0.6"
                }
            }
        }

        response {
            clz APIGetL3NetworkUsedIpReply.class
        }
    }
}
