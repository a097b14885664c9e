"""Facts several rooms share, one module each: how a JVM renders dates (:mod:`.jvm_dates`), what
is secret and how it is masked (:mod:`.secrets`), what ids look like (:mod:`.ids`), where the API
path of a URL starts (:mod:`.urls`), how JSON Pointers are written (:mod:`.pointers`), how
outside text is shown on one line (:mod:`.oneline`), which APIs a node answers at once
(:mod:`.calls`) and the description a node gives each error code (:mod:`.error_codes`, generated). They import nothing else of the project."""
