"""The document model every reader produces and every extractor consumes.

input file -> Document (pages -> lines -> cells, with bbox where the input has geometry)
-> Blocks (runs of lines of one layout kind, with the text that precedes them as context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
class Document:
    """A parsed input file. ``doc_id`` is the first 16 hex digits of the SHA-256 of its bytes."""

    doc_id: str
    source_file: str
    sha256: str
    media_type: str
    pages: tuple[Page, ...]
    encoding: str | None = None

    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]


class BlockKind(StrEnum):
    TABLE = "table"  # consecutive tabular lines
    TEXT = "text"  # paragraph / bullets / headings


@dataclass(frozen=True)
class Block:
    """A run of lines of one layout kind. ``context`` holds the nearest non-blank text lines
    before the block (nearest last), which carry titles, units (単位) and goal headings."""

    kind: BlockKind
    lines: tuple[Line, ...]
    index: int
    context: tuple[str, ...] = field(default=())

    @property
    def first_line(self) -> int:
        return self.lines[0].number if self.lines else 0

    @property
    def page(self) -> int:
        return self.lines[0].page if self.lines else 0

    def location(self) -> str:
        return f"page {self.page}, line {self.first_line}"
