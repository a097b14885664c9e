"""The doc DSL's Groovy subset, read without running Groovy: every quote form, maps, class
literals, comments; anything else is one error naming the file and line."""

from __future__ import annotations

import pytest

from zstack_contract.derive.groovy import ClassRef, GroovyError, parse_groovy


def doc_of(text: str):
    return parse_groovy(text, "x/FooDoc_zh_cn.groovy")


def test_package_imports_and_a_doc_block():
    src = doc_of('''package org.zstack.header.vm

import org.zstack.header.errorcode.ErrorCode
import org.zstack.header.identity.Quota.QuotaUsage
import java.sql.Timestamp as When
import org.zstack.header.volume.*

doc {
    title "重置云主机(ReimageVmInstance)"
}
''')
    assert src.package == "org.zstack.header.vm"
    assert src.imports == {"ErrorCode": "org.zstack.header.errorcode.ErrorCode", "QuotaUsage": "org.zstack.header.identity.Quota.QuotaUsage",
                           "When": "java.sql.Timestamp"}
    assert src.wildcards == ("org.zstack.header.volume",)
    (doc,) = src.statements
    assert (doc.name, doc.line, doc.block[0].name, doc.block[0].args, doc.block[0].line) == ("doc", 8, "title", ["重置云主机(ReimageVmInstance)"], 9)


def test_every_quote_form_and_escape():
    q3 = "'" * 3
    src = doc_of("doc {\n"
                 "    a 'single \\'quoted\\''\n"
                 '    b "double \\"quoted\\" \\u00e9\\t."\n'
                 '    c """triple\ndouble "with quotes" inside"""\n'
                 f"    d {q3}triple\nsingle{q3}\n"
                 "    e /slashy \\/ no escapes \\d+/\n"
                 "    f $/dollar $$ slashy $/ end/$\n"
                 '    g "joined " +\n'
                 "      'over lines'\n"
                 '    h "line \\\ncontinued"\n'
                 "}")
    got = {s.name: s.args[0] for s in src.statements[0].block}
    assert got == {"a": "single 'quoted'", "b": 'double "quoted" \u00e9\t.', "c": 'triple\ndouble "with quotes" inside',
                   "d": "triple\nsingle", "e": r"slashy / no escapes \d+", "f": "dollar $ slashy / end",
                   "g": "joined over lines", "h": "line continued"}
    assert [s.line for s in src.statements[0].block] == [2, 3, 4, 6, 8, 9, 10, 12]


def test_arguments_maps_lists_numbers_and_class_literals():
    src = doc_of('''doc {
    header (Authorization: 'OAuth the-session-uuid', "X-Other": 'y')
    desc "引用", false
    values ("a","b", 4, true, null, -1.5, 10L)
    list [1, 2,
          3]
    clz VmInstanceInventory.class
    params org.zstack.header.query.APIQueryMessage.class
    optional true; since "0.6"
    empty()
}''')
    by = {s.name: s for s in src.statements[0].block}
    assert by["header"].named == {"Authorization": "OAuth the-session-uuid", "X-Other": "y"} and by["header"].args == []
    assert by["desc"].args == ["引用", False]
    assert by["values"].args == ["a", "b", 4, True, None, -1.5, 10]
    assert by["list"].args == [[1, 2, 3]]
    assert by["clz"].args == [ClassRef("VmInstanceInventory")]
    assert by["params"].args == [ClassRef("org.zstack.header.query.APIQueryMessage")]
    assert by["optional"].args == [True] and by["since"].args == ["0.6"] and by["empty"].args == []


def test_comments_are_skipped_and_lines_still_counted():
    src = doc_of('''#!/usr/bin/env groovy
// a comment
doc { /* a
comment over
lines */
    title "t" // after
    name "a//b"
}''')
    title, name = src.statements[0].block
    assert (title.line, name.line, name.args) == (6, 7, ["a//b"])


@pytest.mark.parametrize("text,line,words", [
    ('doc {\n  title "a ${b}"\n}', 2, "interpolated"),
    ('doc {\n  title "a $name"\n}', 2, "interpolated"),
    ('doc {\n  title "never ends\n}', 2, "ends at the end of the line"),
    ('doc {\n  desc """never\nends\n}', 2, 'opened with """ never ends'),
    ('doc {\n  title "a"\n', 3, "never closed"),
    ('doc {\n}\n}', 3, "closes no block"),
    ('doc {\n  type someVariable\n}', 2, "Groovy would have to run"),
    ('doc {\n  type foo.bar()\n}', 2, "Groovy would have to run"),
    ('doc {\n  x = 1\n}', 2, "'=' is not part of the doc DSL"),
    ('doc {\n  /* open\n}', 2, "never ends"),
    ('doc {\n  t "a" "b"\n}', 2, "end of the statement"),
    ('doc {\n  t "\\q"\n}', 2, "unknown escape"),
])
def test_outside_the_subset_is_one_error_naming_file_and_line(text, line, words):
    with pytest.raises(GroovyError) as exc:
        doc_of(text)
    assert exc.value.line == line and words in exc.value.message
    assert str(exc.value).startswith(f"x/FooDoc_zh_cn.groovy:{line}: ") and "\n" not in str(exc.value)
