"""Tables no other extractor understood -> ``cells``: every cell in long form with its header path.

Nothing is dropped: a researcher gets every table's data even where keikaku cannot say what the
table is (a cross-tab, a fee list, a ranking). Each cell carries its role (header, stub or data),
the row labels and column headings it sits under, its value parsed with the same normalisation
as every other table (scale words and the table's 単位 applied) and the period its headers name.
Each such table is listed in ``quality`` (``table-unclaimed``).
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.table import Table, TableCell
from extractors.normalize.amounts import parse_amount
from extractors.normalize.periods import parse_period
from extractors.tables.grid import cell_to_text, value_main
from extractors.tables.structure import PATH_SEPARATOR, Structure, table_to_structure
from schemas.quality import Code, Issue, Severity
from schemas.tables import CellRow


def path_to_text(path: Sequence[str]) -> str | None:
    return PATH_SEPARATOR.join(path) or None


def headers_to_period(row_path: Sequence[str], column_path: Sequence[str]) -> str | None:
    """The period a data cell's headers name (its column first: periods run across more often)."""
    for text in (*reversed(column_path), *reversed(row_path)):
        period = parse_period(text)
        if period is not None:
            return period
    return None


def cell_to_row(doc_id: str, table: Table, structure: Structure, cell: TableCell) -> CellRow:
    text = cell_to_text(cell.text)
    role = structure.role(cell.row, cell.column)
    row_path = structure.row_paths[cell.row] if role == "data" else ()
    column_path = structure.column_paths[cell.column] if role == "data" else ()
    amount = parse_amount(value_main(text)) if role == "data" and text else None
    if amount is not None and amount.unit is None and structure.unit:
        amount = parse_amount(value_main(text) + structure.unit) or amount
    row_text, column_text = path_to_text(row_path), path_to_text(column_path)
    return CellRow(
        doc_id=doc_id,
        table_id=table.index,
        page=cell.page or table.rows[cell.row].page,
        row=cell.row,
        column=cell.column,
        row_span=cell.row_span,
        col_span=cell.col_span,
        role=role,
        row_header=row_text,
        column_header=column_text,
        header_path=f"{row_text or ''} × {column_text or ''}" if role == "data" and (row_text or column_text) else None,
        text=text or None,
        value=amount.value if amount else None,
        unit=amount.unit if amount else None,
        period=headers_to_period(row_path, column_path) if role == "data" else None,
        aggregate=cell.row in structure.aggregate_rows or cell.column in structure.aggregate_columns,
        strategy=table.strategy,
    )


def table_to_cells(doc_id: str, table: Table) -> tuple[list[CellRow], Issue]:
    structure = table_to_structure(table)
    rows = [cell_to_row(doc_id, table, structure, cell) for cell in table.cells if cell.text.strip()]
    message = (
        f"table {table.index} ({table.n_rows} rows × {table.n_columns} columns, read by {table.strategy}) is of no kind "
        "keikaku understands: its cells are in the cells table"
    )
    return rows, Issue(Code.TABLE_UNCLAIMED, Severity.WARNING, message, "cells", table.location())


class CellsExtractor(Extractor):
    """Every table no earlier extractor claimed -> ``cells`` (long form), one quality row each."""

    name = "cells"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        rows: list[CellRow] = []
        issues: list[Issue] = []
        for table in tables:
            found, issue = table_to_cells(document.doc_id, table)
            rows += found
            issues.append(issue)
        return Extraction(cells=tuple(rows), issues=tuple(issues), claimed=tuple(t.index for t in tables))
