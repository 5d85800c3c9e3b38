"""Helpers the table tests share: the tables keikaku reads from a text, and their rows as printed."""

from __future__ import annotations

from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document


def tables_of(text: str) -> list[Table]:
    doc = read_document(text.encode(), "x.txt")
    assert not isinstance(doc, ReadFailure)
    return list(doc.tables)


def rows_of(table: Table) -> list[str]:
    return ["|".join(table.row_texts(r)) for r in range(table.n_rows)]
