"""Tab-separated tables (extractors.tables.text_tsv): (input text, expected rows) pairs.

Rows are written as the table prints them: a row's cell texts joined with ``|`` (``Table.row_texts``);
text around the table is checked as the table's context and notes.
"""

from __future__ import annotations

import pytest

from extractors.model.document import TextBlock
from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document
from extractors.tables.text_tsv import split_quoted
from tests.table_helpers import rows_of, tables_of


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        # a plain tab table; empty fields are kept (merged cells, dropped marks)
        ("区分\tR5\tR6\n出生\t1\t2\n", ["区分|R5|R6", "出生|1|2"]),
        ("No\t名\tA\tB\n\t\t1\t事業\t●\t\n", ["No|名|A|B||", "||1|事業|●|"]),
        # clipboard quoting: a quoted cell holds its line breaks (read without them), "" is a quote
        ('大分類\t"事業費\n（千円）"\n"安心して子育\nてできるまち"\t3,030\n', ["大分類|事業費（千円）", "安心して子育てできるまち|3,030"]),
        ('a\t"x""y"\tb\nc\td\te\n', ['a|x"y|b', "c|d|e"]),
        ('"昭和63\n年"\t3,179\t26,099\n"平成元\n年"\t3,237\t24,598\n', ["昭和63年|3,179|26,099", "平成元年|3,237|24,598"]),
        # a bare copy: a cell's line break cuts its row; the pieces add up to the block's width
        ("区分\t\t平成24\n年\t25\n年\t26\n年\n\t出生数\t578\t664\t629\n\t死亡数\t1\t2\t3\n",
         ["区分||平成24年|25年|26年", "|出生数|578|664|629", "|死亡数|1|2|3"]),
        ("熊本市\t南阿\n蘇村\t合計\n●\t●\t2\n●\t\t1\n", ["熊本市|南阿蘇村|合計", "●|●|2", "●||1"]),
        # a bare piece between a row ending in a value and a row it can start belongs to that row
        ("大分類\t中分類\t金額\n活力\t農林\t3,030\n安心して子育\nてできるまち\t学校\t73,915\n", ["大分類|中分類|金額", "活力|農林|3,030", "安心して子育てできるまち|学校|73,915"]),
    ],
)
def test_tab_rows(text: str, rows: list[str]) -> None:
    tables = tables_of(text)
    assert len(tables) == 1
    assert rows_of(tables[0]) == rows


@pytest.mark.parametrize(
    ("text", "context", "rows", "following"),
    [
        # a spreadsheet copy pads titles and captions with the row's empty cells: they are text
        ("人口動態の推移\t\t\t\n（単位：人）\t\t\t\n\t\t\t\n区分\t\tH2\tH7\n自然動態\t出生数\t886\t1,013\n※ 注記\t\t\t\n",
         ("人口動態の推移", "（単位：人）"), ["区分||H2|H7", "自然動態|出生数|886|1,013"], ("※ 注記",)),
        # a label row inside the table stays a row
        ("区分\tH2\tH7\n自然動態\t\t\n出生数\t1\t2\n", (), ["区分|H2|H7", "自然動態||", "出生数|1|2"], ()),
    ],
)
def test_titles_copied_with_empty_cells_are_text(text: str, context: tuple, rows: list[str], following: tuple) -> None:
    (table,) = tables_of(text)
    assert (table.context, rows_of(table), table.following) == (context, rows, following)


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        # rows of varying width (a PDF's text extraction) are not a bare copy: nothing is joined
        ("a\tb\tc\td\nx\ty\nz\tw\tv\n", ["a|b|c|d", "x|y||", "z|w|v|"]),
        # a quote that opens a field but never closes stays as printed
        ('"引用\tb\nc\td\n', ['"引用|b', "c|d"]),
    ],
)
def test_irregular_rows_are_left_as_printed(text: str, rows: list[str]) -> None:
    (table,) = tables_of(text)
    assert rows_of(table) == rows


def test_blank_lines_between_rows_and_text_around() -> None:
    doc = read_document("表の題\n\n区分\tR5\n\n出生\t1\n\n後の文章。\n".encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    assert [type(i) for i in doc.items] == [TextBlock, Table, TextBlock]
    table = doc.tables[0]
    assert [r.first_line for r in table.rows] == [3, 5]


@pytest.mark.parametrize(
    ("text", "fields"),
    [("a\tb", ("a", "b")), ('"a\nb"\tc', ("a\nb", "c")), ('"a""b"\tc', ('a"b', "c")), ('"open\tc', None), ('say "hi"\tc', ('say "hi"', "c"))],
)
def test_split_quoted(text: str, fields: tuple | None) -> None:
    assert split_quoted(text) == fields
