"""Segmentation of documents into table and text blocks with their context."""

from __future__ import annotations

from extractors.model.document import BlockKind
from extractors.readers import ReadFailure, read_document
from extractors.tables.segment import document_to_blocks


def blocks_of(text: str):
    doc = read_document(text.encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    return document_to_blocks(doc)


def test_table_rows_form_one_block_across_blank_lines_with_context() -> None:
    blocks = blocks_of("表の題\n(単位：人)\n\n区分\tR5\tR6\n\n出生\t1\t2\n死亡\t3\t4\n\n後の文章。\n")
    kinds = [b.kind for b in blocks]
    assert kinds == [BlockKind.TEXT, BlockKind.TABLE, BlockKind.TEXT]
    table = blocks[1]
    assert len(table.lines) == 3
    assert table.context == ("表の題", "(単位：人)")
    assert [b.index for b in blocks] == [0, 1, 2]


def test_leading_tab_rows_with_marks_are_table_rows() -> None:
    blocks = blocks_of("No\t名\tA\tB\n\t\t1\t事業\t●\t\n")
    assert [b.kind for b in blocks] == [BlockKind.TABLE]
    assert len(blocks[0].lines) == 2


def test_text_paragraphs_split_on_blank_lines() -> None:
    blocks = blocks_of("一行目\n二行目\n\n三行目\n")
    assert [len(b.lines) for b in blocks] == [2, 1]
    assert blocks[1].context == ("一行目", "二行目")
