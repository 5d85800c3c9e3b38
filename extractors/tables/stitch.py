"""A table continued on the next page becomes one table.

``tables_continue``  the continuation has the same columns (same count, edges within tolerance)
``stitch``           rows of the continuation appended, its repeated header rows dropped, and a
                     merged cell cut by the page break joined with its other part (the label
                     kept once, on the first row it covers)

Pure functions: the inputs are not changed (camelot's ``stack_contiguous`` does the same).
"""

from __future__ import annotations

from dataclasses import replace

from extractors.model.document import BBox
from extractors.tables.base import FoundTable, TableCell

EDGE_TOLERANCE = 4.0  # points between the column edges of the two parts
MAX_HEADER_ROWS = 4


def tables_continue(first: FoundTable, second: FoundTable) -> bool:
    if first.n_columns != second.n_columns or first.strategy != second.strategy:
        return False
    if len(first.column_edges) != len(second.column_edges):
        return False
    return all(abs(a - b) <= EDGE_TOLERANCE for a, b in zip(first.column_edges, second.column_edges, strict=False))


def repeated_header_rows(first: FoundTable, second: FoundTable) -> int:
    """How many leading rows of ``second`` repeat the leading rows of ``first``."""
    count = 0
    while count < min(MAX_HEADER_ROWS, first.n_rows, second.n_rows - 1):
        if first.row_texts(count) != second.row_texts(count) or not any(second.row_texts(count)):
            break
        count += 1
    return count


def stitch(first: FoundTable, second: FoundTable) -> FoundTable:
    skip = repeated_header_rows(first, second)
    offset = first.n_rows - skip
    open_cells = {c.column: c for c in first.cells if c.row + c.row_span == first.n_rows}
    cells = {(c.row, c.column): c for c in first.cells}
    for cell in second.cells:
        if cell.row < skip:
            continue
        moved = replace(cell, row=cell.row + offset)
        prev = open_cells.get(cell.column) if cell.row == skip else None
        if prev is not None and cell_continues(prev, cell):
            cells[(prev.row, prev.column)] = replace(prev, text=prev.text or cell.text, row_span=prev.row_span + cell.row_span)
            continue
        cells[(moved.row, moved.column)] = moved
    bbox = BBox(first.bbox.x0, first.bbox.top, max(first.bbox.x1, second.bbox.x1), first.bbox.bottom)
    return first.with_cells(
        cells.values(),
        n_rows=offset + second.n_rows,
        bbox=bbox,
        confidence=min(first.confidence, second.confidence),
        pages=first.pages + second.pages,
    )


def cell_continues(prev: TableCell, cell: TableCell) -> bool:
    """The first body cell of a continuation is the rest of a merged cell cut by the page break
    when either part spans rows and it prints no other text (office suites print the label of a
    cut merged cell on one part or on both)."""
    if prev.col_span != cell.col_span or (prev.row_span == 1 and cell.row_span == 1):
        return False
    return not cell.text or not prev.text or cell.text == prev.text
