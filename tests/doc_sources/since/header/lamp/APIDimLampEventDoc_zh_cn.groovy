package org.zstack.header.lamp

import org.zstack.header.errorcode.ErrorCode
import org.zstack.header.lamp.LampInventory

doc {

    title "调暗台灯的结果"

    ref {
        name "error"
        path "org.zstack.header.lamp.APIDimLampEvent.error"
        desc "错误码，若不为null，则表示操作失败", false
        type "ErrorCode"
        since "0.6"
        clz ErrorCode.class
    }
    ref {
        name "inventory"
        path "org.zstack.header.lamp.APIDimLampEvent.inventory"
        desc "调暗后的台灯"
        type "LampInventory"
        since "0.6"
        clz LampInventory.class
    }
}
