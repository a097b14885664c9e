package org.zstack.header.longjob

import org.zstack.header.errorcode.ErrorCode

doc {

    title "重新执行长任务的结果"

    ref {
        name "error"
        path "org.zstack.header.longjob.APIRerunLongJobEvent.error"
        desc "错误码，不为null时表示没能重新执行", false
        type "ErrorCode"
        since "3.6.0"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.longjob.APIRerunLongJobEvent.inventory"
        desc "重新执行的长任务"
        type "LongJobInventory"
        since "3.6.0"
        clz LongJobInventory.class
    }
}
