"""The document model every reader produces and every extractor consumes.

input file -> Document: pages of lines (cells with bbox where the input has geometry), and the
same content in reading order as ``items``: tables (``extractors.model.table.Table``) and the
text blocks between them (paragraphs, headings, bullets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.model.table import Table


@dataclass(frozen=True)
class BBox:
    """Rectangle in PDF points, origin top-left (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Cell:
    """One cell of a line. Text inputs: a tab-separated field (empty fields are kept, their
    position is evidence of merged cells). PDF inputs: a table cell with its bbox and span."""

    text: str
    column: int
    bbox: BBox | None = None
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True)
class Line:
    """One line of a page. ``text`` is the line as read (tabs kept); ``cells`` its fields."""

    text: str
    cells: tuple[Cell, ...]
    page: int  # 1-based
    number: int  # 1-based line number within the whole document
    bbox: BBox | None = None
    file_line: int | None = None  # text inputs: 1-based line of the file (an HTML table expands one into several)

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()

    @property
    def is_tabular(self) -> bool:
        """True when the line has at least two non-empty cells."""
        return sum(1 for c in self.cells if c.text.strip()) >= 2

    def cell_texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    lines: tuple[Line, ...]
    width: float | None = None
    height: float | None = None


@dataclass(frozen=True)
class TextBlock:
    """A run of text lines between tables (a paragraph, bullets, headings); blank lines end it."""

    lines: tuple[Line, ...]

    @property
    def first_line(self) -> int:
        return self.lines[0].number if self.lines else 0

    @property
    def page(self) -> int:
        return self.lines[0].page if self.lines else 0

    def location(self) -> str:
        return f"page {self.page}, line {self.first_line}"


@dataclass(frozen=True)
class Document:
    """A parsed input file. ``doc_id`` is the first 16 hex digits of the SHA-256 of its bytes;
    ``items`` its tables and text blocks in reading order."""

    doc_id: str
    source_file: str
    sha256: str
    media_type: str
    pages: tuple[Page, ...]
    encoding: str | None = None
    items: tuple[TextBlock | Table, ...] = field(default=())

    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(item for item in self.items if not isinstance(item, TextBlock))

    @cached_property
    def _lines_by_number(self) -> dict[int, Line]:
        return {line.number: line for line in self.lines()}

    def item_lines(self, item: TextBlock | Table) -> list[Line]:
        """The document lines an item was read from (a table: its rows' lines, in order)."""
        if isinstance(item, TextBlock):
            return list(item.lines)
        by_number = self._lines_by_number
        numbers = sorted({n for row in item.rows for n in range(row.first_line, row.last_line + 1)})
        return [by_number[n] for n in numbers if n in by_number]
