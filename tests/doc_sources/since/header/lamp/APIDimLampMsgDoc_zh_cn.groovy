package org.zstack.header.lamp

import org.zstack.header.lamp.APIDimLampEvent

// Written for zstack-contract's tests: an API of our own whose fields start in several releases,
// for the since-after-release warning of derive --release-of.
doc {
    title "调暗台灯(DimLamp)"

    category "lamp"

    desc """调暗一盏台灯"""

    rest {
        request {
            url "PUT /v1/lamps/{uuid}/actions"

            header (Authorization: 'OAuth the-session-uuid')

            clz APIDimLampMsg.class

            desc """"""

            params {

                column {
                    name "uuid"
                    enclosedIn "dimLamp"
                    desc "台灯的UUID"
                    location "url"
                    type "String"
                    optional false
                    since "0.6"
                }
                column {
                    name "level"
                    enclosedIn "dimLamp"
                    desc "亮度"
                    location "body"
                    type "Integer"
                    optional true
                    since "5.3.0"
                }
                column {
                    name "fadeSeconds"
                    enclosedIn "dimLamp"
                    desc "渐暗的秒数"
                    location "body"
                    type "Integer"
                    optional true
                    since "5.4.0"
                }
            }
        }

        response {
            clz APIDimLampEvent.class
        }
    }
}
