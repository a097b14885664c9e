package org.zstack.header.lamp

doc {

    title "台灯清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "level"
        desc "亮度"
        type "Integer"
        since "5.3"
    }
    field {
        name "glow"
        desc "光晕颜色"
        type "String"
        since "6.0"
    }
    field {
        name "shade"
        desc "灯罩"
        type "String"
        since "lamp 9.9"
    }
}
