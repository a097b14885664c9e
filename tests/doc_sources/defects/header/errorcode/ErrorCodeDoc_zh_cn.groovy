package org.zstack.header.errorcode

doc {

    title "错误码"

    field {
        name "code"
        desc "错误的编号，形如SYS.1000"
        type "String"
        since "0.6"
    }
    field {
        name "description"
        desc "一句话说明出了什么错"
        type "String"
        since "0.6"
    }
    field {
        name "details"
        desc "出错的详细经过"
        type "String"
        since "0.6"
    }
    ref {
        name "cause"
        path "org.zstack.header.errorcode.ErrorCode.cause"
        desc "导致本错误的上一个错误", true
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
}
