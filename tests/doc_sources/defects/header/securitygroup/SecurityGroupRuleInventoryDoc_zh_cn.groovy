package org.zstack.header.securitygroup

doc {

    title "安全组规则清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "type"
        desc "方向：进或出"
        type "String"
        since "0.6"
    }
    field {
        name "startPort"
        desc "端口范围的起点"
        type "Integer"
        since "0.6"
    }
    field {
        name "endPort"
        desc "端口范围的终点"
        type "Integer"
        since "0.6"
    }
}
