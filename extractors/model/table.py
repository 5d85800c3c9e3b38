"""The table model every reader produces and every extractor consumes.

A table is a set of cells on a grid. A merged cell is one ``TableCell`` with ``row_span`` /
``col_span`` > 1 (docling-core's ``TableCell``), not a copy in every slot: ``Table.grid`` expands
it for whoever needs every slot filled, ``Table.row_texts`` gives the row as text extractions
print it (the merged cell's text on its first slot, empty strings in the slots it covers).

Each table says which strategy read it and how sure it is (camelot's parsing report), where it
was printed (pages, bbox for PDFs, line numbers for text), and what the text around it says
(``context``: the lines just above, nearest last, where titles and unit notes live;
``following``: the lines just below, where notes live). The table's structure (header rows,
stub columns, header paths, unit, title, aggregate rows) is read by ``extractors.tables.structure``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from extractors.model.document import BBox, Cell, Line


@dataclass(frozen=True)
class TableCell:
    """One (possibly merged) cell: its top-left grid slot, its span and its text as read."""

    text: str
    row: int
    column: int
    row_span: int = 1
    col_span: int = 1
    page: int = 0  # 1-based page the cell is printed on
    bbox: BBox | None = None  # PDF points, top-left origin
    line: int | None = None  # text inputs: 1-based document line the cell was read from

    def covers(self, row: int, column: int) -> bool:
        return self.row <= row < self.row + self.row_span and self.column <= column < self.column + self.col_span


@dataclass(frozen=True)
class RowSource:
    """Where one table row was printed: page and document line numbers (a row whose cells wrap
    over several text lines spans ``first_line`` .. ``last_line``), and its bbox on a PDF page."""

    page: int
    first_line: int
    last_line: int
    bbox: BBox | None = None


@dataclass(frozen=True)
class Table:
    """A table of one document (continued over pages: still one table)."""

    cells: tuple[TableCell, ...]  # sorted by (row, column); a merged cell once
    n_rows: int
    n_columns: int
    strategy: str  # the strategy that read it: ruled, borderless, tabs, layout-text …
    confidence: float  # the strategy's, in [0, 1]
    rows: tuple[RowSource, ...]  # one per grid row
    index: int = 0  # position among the document's tables (0-based), its id in ``cells``
    context: tuple[str, ...] = ()  # text lines above it, nearest last
    caption: str = ""  # words printed just above it over its columns (PDF): its own part of a caption line shared with a table beside it
    following: tuple[str, ...] = ()  # text lines below it, nearest first
    heading: tuple[str, ...] = ()  # the document's first text lines (its title: 令和8年度 …予算書)
    year_hint: int | None = None  # the middle year the document's text names: the era of a bare 29年度
    notes: tuple[str, ...] = field(default=())  # what the reader did to it (stitched pages, dropped repeated header)

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({r.page for r in self.rows}))

    @property
    def page(self) -> int:
        return self.rows[0].page if self.rows else 0

    @property
    def first_line(self) -> int:
        return self.rows[0].first_line if self.rows else 0

    def location(self) -> str:
        return f"page {self.page}, line {self.first_line}"

    def row_location(self, row: int) -> str:
        source = self.rows[row]
        return f"page {source.page}, line {source.first_line}"

    def row_texts(self, row: int) -> list[str]:
        """The row as text extractions print it: a merged cell's text on the slot where it
        starts, empty strings in every other slot it covers."""
        out = [""] * self.n_columns
        for cell in self.cells_starting_on(row):
            out[cell.column] = cell.text
        return out

    def cells_starting_on(self, row: int) -> Iterator[TableCell]:
        return (c for c in self.cells if c.row == row)

    def grid(self) -> list[list[str]]:
        """Every slot filled: a merged cell's text in every slot it covers."""
        out = [[""] * self.n_columns for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, min(cell.row + cell.row_span, self.n_rows)):
                for c in range(cell.column, min(cell.column + cell.col_span, self.n_columns)):
                    out[r][c] = cell.text
        return out

    @cached_property
    def slot_cells(self) -> dict[tuple[int, int], TableCell]:
        """The cell covering each slot (row, column) a cell covers (worked out once per table)."""
        out: dict[tuple[int, int], TableCell] = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.column, cell.column + cell.col_span):
                    out.setdefault((r, c), cell)
        return out

    def cell_at(self, row: int, column: int) -> TableCell | None:
        """The cell covering a slot (None for an empty slot no cell covers)."""
        return self.slot_cells.get((row, column))

    def as_lines(self) -> tuple[Line, ...]:
        """Every row as a line of cells, the form text extractions give (a merged cell's text on
        its first row, with its span; a row as wide as the cells on it): for extractors that
        read rows as printed."""
        lines = []
        for r, source in enumerate(self.rows):
            starts = {c.column: c for c in self.cells_starting_on(r)}
            width = max((c.column + c.col_span for c in self.cells if c.row <= r < c.row + c.row_span), default=0)
            cells = tuple(
                Cell(text=c.text, column=k, bbox=c.bbox, row_span=c.row_span, col_span=c.col_span)
                if (c := starts.get(k)) is not None
                else Cell(text="", column=k)
                for k in range(width)
            )
            lines.append(Line(text="\t".join(c.text for c in cells), cells=cells, page=source.page, number=source.first_line, bbox=source.bbox))
        return tuple(lines)

    def with_cells(self, cells: Iterable[TableCell], **changes: Any) -> Table:
        return replace(self, cells=tuple(sorted(cells, key=lambda c: (c.row, c.column))), **changes)
