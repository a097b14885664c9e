package org.zstack.header.errorcode

import org.zstack.header.errorcode.ErrorCode

doc {

    title "错误码"

    field {
        name "code"
        desc "错误码号，例如SYS.1000"
        type "String"
        since "0.6"
    }
    field {
        name "description"
        desc "错误的概要"
        type "String"
        since "0.6"
    }
    field {
        name "details"
        desc "错误的详情"
        type "String"
        since "0.6"
    }
    field {
        name "elaboration"
        desc "保留字段"
        type "String"
        since "0.6"
    }
    ref {
        name "cause"
        path "org.zstack.header.errorcode.ErrorCode.cause"
        desc "引发本错误的错误", true
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    field {
        name "opaque"
        desc "保留字段"
        type "LinkedHashMap"
        since "0.6"
    }
}
