package org.zstack.header.network.l3

doc {

    title "已用IP清单"

    field {
        name "uuid"
        desc "资源的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "l3NetworkUuid"
        desc "所属三层网络的UUID"
        type "String"
        since "0.6"
    }
    field {
        name "ip"
        desc "点分形式的地址"
        type "String"
        since "0.6"
    }
    field {
        name "ipInLong"
        desc "地址按无符号整数的值"
        type "long"
        since "0.6"
    }
    field {
        name "ipInBinary"
        desc "地址的各个字节，按网络字节序"
        type "byte[]"
        since "5.2.0"
    }
}
