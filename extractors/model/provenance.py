"""Where a row of output was printed: page and bbox (PDF), document lines (text), the table it
was read from and the strategy that read it; the provenance columns of every data table.

Built from the table model (``TableCell.page/bbox/line``, ``RowSource``, ``Table.strategy``) or
from document lines (``Line.page/number/bbox``) by the extractors, carried by their intermediate
records and written as the columns of ``schemas.tables.PROVENANCE_COLUMNS``.

One rule for both kinds of input: a PDF row gets ``page`` and ``bbox`` (the rectangle that holds
the printed value, in PDF points, origin top-left: pdfplumber's ``page.crop(bbox)``); a text row
gets ``page`` (form-feed page) and ``line_start`` / ``line_end`` (1-based document lines).
A bbox is kept on one page: a value printed over a page break keeps the rectangle of its first page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from extractors.model.document import BBox, Line
from extractors.model.table import Table, TableCell


@dataclass(frozen=True)
class Provenance:
    """Where one output row was printed (every field optional: unknown is empty)."""

    page: int | None = None
    bbox: BBox | None = None
    line_start: int | None = None
    line_end: int | None = None
    table_id: int | None = None
    strategy: str | None = None

    def columns(self, without: Sequence[str] = ()) -> dict[str, Any]:
        """The provenance columns of an output row (``schemas.tables.PROVENANCE_COLUMNS``),
        but those ``without`` names (a table that has them among its own columns)."""
        box = self.bbox
        out = {
            "page": self.page or None,
            "bbox_x0": _points(box.x0) if box else None,
            "bbox_top": _points(box.top) if box else None,
            "bbox_x1": _points(box.x1) if box else None,
            "bbox_bottom": _points(box.bottom) if box else None,
            "line_start": None if box else self.line_start,  # document lines; the file's: ``pipeline.stages.file_lines``
            "line_end": None if box else self.line_end,
            "table_id": self.table_id,
            "strategy": self.strategy,
        }
        return {name: value for name, value in out.items() if name not in without}

    def union(self, other: Provenance) -> Provenance:
        """Both places as one: the first one's page and table, the bbox over both (same page
        only), the lines over both."""
        if not self.page:
            return other
        if not other.page:
            return self
        same_page = other.page == self.page
        starts = [n for n in (self.line_start, other.line_start) if n]
        ends = [n for n in (self.line_end, other.line_end) if n]
        return Provenance(
            page=self.page,
            bbox=bbox_union([self.bbox, other.bbox if same_page else None]),
            line_start=min(starts, default=None),
            line_end=max(ends, default=None),
            table_id=self.table_id if self.table_id is not None else other.table_id,
            strategy=self.strategy or other.strategy,
        )


NO_PROVENANCE = Provenance()


def row_provenance(row: Any) -> Provenance:
    """The provenance an output row carries in its columns (to extend it)."""
    edges = [getattr(row, name, None) for name in ("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom")]
    box = BBox(*edges) if all(e is not None for e in edges) else None
    return Provenance(row.page, box, row.line_start, row.line_end, row.table_id, row.strategy)


def _points(value: float) -> float:
    """PDF points to 2 decimals (a hundredth of a point is far below a glyph's width)."""
    return round(float(value), 2)


def bbox_union(boxes: Iterable[BBox | None]) -> BBox | None:
    found = [b for b in boxes if b is not None]
    if not found:
        return None
    return BBox(min(b.x0 for b in found), min(b.top for b in found), max(b.x1 for b in found), max(b.bottom for b in found))


def provenance_union(items: Iterable[Provenance]) -> Provenance:
    out = NO_PROVENANCE
    for item in items:
        out = out.union(item)
    return out


def lines_to_provenance(lines: Sequence[Line], table_id: int | None = None, strategy: str | None = None) -> Provenance:
    """Document lines (a sentence, a block, a list): their first page, the bbox of their lines on
    that page, their line numbers."""
    lines = [line for line in lines if line.page]
    if not lines:
        return Provenance(table_id=table_id, strategy=strategy)
    page = lines[0].page
    numbers = [line.number for line in lines if line.number]
    return Provenance(
        page=page,
        bbox=bbox_union(line.bbox for line in lines if line.page == page),
        line_start=min(numbers, default=None),
        line_end=max(numbers, default=None),
        table_id=table_id,
        strategy=strategy,
    )


def table_row_provenance(table: Table, row: int) -> Provenance:
    """One grid row of a table: its RowSource (or the bbox of its cells)."""
    if not 0 <= row < len(table.rows):
        return Provenance(page=table.page or None, table_id=table.index, strategy=table.strategy)
    source = table.rows[row]
    box = source.bbox or bbox_union(c.bbox for c in table.cells_starting_on(row) if c.page in (0, source.page))
    return Provenance(source.page or None, box, source.first_line or None, source.last_line or None, table.index, table.strategy)


def table_rows_provenance(table: Table, rows: Iterable[int]) -> Provenance:
    return provenance_union(table_row_provenance(table, r) for r in sorted(set(rows)))


@dataclass(frozen=True)
class _TableIndex:
    """A table's cells by grid slot and its columns' x-ranges, built once per table."""

    by_slot: dict[tuple[int, int], TableCell]
    columns: dict[int, tuple[float, float]]


_INDEXES: dict[int, tuple[Table, _TableIndex]] = {}  # id -> (the table, kept alive; its index)
_MAX_INDEXES = 16


def _index(table: Table) -> _TableIndex:
    held = _INDEXES.get(id(table))
    if held is not None and held[0] is table:
        return held[1]
    spans: dict[int, list[BBox]] = {}
    for cell in table.cells:
        if cell.col_span == 1 and cell.bbox is not None:
            spans.setdefault(cell.column, []).append(cell.bbox)
    columns = {c: (min(b.x0 for b in boxes), max(b.x1 for b in boxes)) for c, boxes in spans.items()}
    if len(_INDEXES) >= _MAX_INDEXES:
        _INDEXES.clear()
    index = _TableIndex(table.slot_cells, columns)
    _INDEXES[id(table)] = (table, index)
    return index


def table_cell_provenance(table: Table, row: int, column: int) -> Provenance:
    """One grid slot: the cell covering it (its page, bbox, lines); an empty slot no cell covers:
    its column's x-range (over the cells that sit in it alone) across its row."""
    source = table_row_provenance(table, row)
    index = _index(table)
    cell = index.by_slot.get((row, column))
    if cell is not None and cell.bbox is not None:
        return Provenance(cell.page or source.page, cell.bbox, source.line_start, source.line_end, table.index, table.strategy)
    span = index.columns.get(column)
    box = source.bbox
    if span is not None and box is not None:
        box = BBox(span[0], box.top, span[1], box.bottom)
    return Provenance(source.page, box, source.line_start, source.line_end, table.index, table.strategy)


def table_cells_provenance(table: Table, slots: Iterable[tuple[int, int]]) -> Provenance:
    return provenance_union(table_cell_provenance(table, r, c) for r, c in slots)


def table_provenance(table: Table) -> Provenance:
    return table_rows_provenance(table, range(len(table.rows)))
