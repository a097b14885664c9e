package org.zstack.header.query

// The parameters every query takes; a query's own doc names this class instead of a table.
doc {
    rest {
        request {
            params {
                desc """查询条件见 q"""

                column {
                    name "conditions"
                    desc "查询条件"
                    type "List"
                    location "query"
                    optional false
                    since "0.6"
                }
                column {
                    name "limit"
                    desc "最多返回的记录数"
                    type "Integer"
                    location "query"
                    optional true
                    since "0.6"
                }
            }
        }
    }
}
