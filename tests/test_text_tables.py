"""Text tables: tab-separated rows become tables, other lines text blocks; context and notes."""

from __future__ import annotations

from extractors.model.document import TextBlock
from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document


def items_of(text: str):
    doc = read_document(text.encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    return doc.items


def test_table_rows_form_one_table_across_blank_lines_with_context() -> None:
    items = items_of("表の題\n(単位：人)\n\n区分\tR5\tR6\n\n出生\t1\t2\n死亡\t3\t4\n\n後の文章。\n")
    assert [type(i) for i in items] == [TextBlock, Table, TextBlock]
    table = items[1]
    assert isinstance(table, Table)
    assert (table.n_rows, table.n_columns, table.strategy) == (3, 3, "tabs")
    assert table.context == ("表の題", "(単位：人)")
    assert table.following == ("後の文章。",)
    assert table.row_texts(1) == ["出生", "1", "2"]
    assert [r.first_line for r in table.rows] == [4, 6, 7]


def test_leading_tab_rows_with_marks_are_table_rows_and_keep_empty_fields() -> None:
    items = items_of("No\t名\tA\tB\n\t\t1\t事業\t●\t\n")
    assert [type(i) for i in items] == [Table]
    table = items[0]
    assert table.n_rows == 2 and table.n_columns == 6
    assert table.row_texts(1) == ["", "", "1", "事業", "●", ""]
    assert [c.text for c in table.as_lines()[1].cells] == ["", "", "1", "事業", "●", ""]


def test_text_paragraphs_split_on_blank_lines_and_tables_are_numbered() -> None:
    items = items_of("一行目\n二行目\n\n三行目\na\tb\n\n間\nc\td\n")
    assert [len(i.lines) for i in items if isinstance(i, TextBlock)] == [2, 1, 1]
    tables = [i for i in items if isinstance(i, Table)]
    assert [t.index for t in tables] == [0, 1]
    assert tables[0].context == ("一行目", "二行目", "三行目")
    assert tables[0].following == ("間",)
