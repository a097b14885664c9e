package org.zstack.header.longjob

import java.sql.Timestamp
import org.zstack.header.errorcode.ErrorCode

doc {

    title "长任务清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "3.6.0"
    }
    field {
        name "jobName"
        desc "任务所执行的API"
        type "String"
        since "3.6.0"
    }
    field {
        name "state"
        desc "任务进行到哪一步"
        type "String"
        since "3.6.0"
    }
    field {
        name "createDate"
        desc "创建时间"
        type "Timestamp"
        since "3.6.0"
    }
    ref {
        name "error"
        path "org.zstack.header.longjob.LongJobInventory.error"
        desc "任务上次失败的原因", false
        type "ErrorCode"
        since "3.6.0"
        clz ErrorCode.class
    }
}
