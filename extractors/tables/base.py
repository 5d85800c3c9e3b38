"""What every table strategy returns, and the contract it implements.

A strategy looks at one pdfplumber page (already de-duplicated of fake-bold glyphs) and returns
``FoundTable``s: cells on a grid, each with its bbox and its span (a merged cell is one cell with
``row_span``/``col_span`` > 1), the strategy's name and a confidence in [0, 1]. The reader keeps,
per region of the page, the table of the most confident strategy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from extractors.model.document import BBox

LINE_TOLERANCE = 3.0  # points: characters whose tops differ less share a line
SPACE_FACTOR = 0.3  # a gap wider than this share of the font size is a space


@dataclass(frozen=True)
class TableCell:
    """One (possibly merged) cell: its top-left grid slot, its span and its text."""

    text: str
    row: int
    column: int
    bbox: BBox
    row_span: int = 1
    col_span: int = 1
    page: int = 0  # 1-based page the cell is printed on

    def slots(self) -> set[tuple[int, int]]:
        """The grid slots (row, column) the cell covers."""
        return {(r, c) for r in range(self.row, self.row + self.row_span) for c in range(self.column, self.column + self.col_span)}


@dataclass(frozen=True)
class FoundTable:
    """A table on one page (or stitched over several: ``pages`` then lists them)."""

    cells: tuple[TableCell, ...]
    n_rows: int
    n_columns: int
    bbox: BBox
    strategy: str
    confidence: float
    pages: tuple[int, ...]
    column_edges: tuple[float, ...] = ()  # x of the column boundaries, for stitching
    caption: str = ""  # the words printed just above it, over its columns (``○居住地``)

    def row_texts(self, row: int) -> list[str]:
        """The row as text extractions print it: a merged cell's text on its first row and
        first column, empty strings in every slot it covers."""
        out = [""] * self.n_columns
        for cell in self.cells:
            if cell.row == row:
                out[cell.column] = cell.text
        return out

    def row_cells(self, row: int) -> list[TableCell | None]:
        """Cells that start on ``row`` by column; None where the slot is covered or empty."""
        out: list[TableCell | None] = [None] * self.n_columns
        for cell in self.cells:
            if cell.row == row:
                out[cell.column] = cell
        return out

    def row_bbox(self, row: int) -> BBox:
        boxes = [c.bbox for c in self.cells if c.row == row and c.row_span == 1] or [
            c.bbox for c in self.cells if c.row <= row < c.row + c.row_span
        ]
        return BBox(min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))

    def with_cells(self, cells: Iterable[TableCell], **changes: Any) -> FoundTable:
        return replace(self, cells=tuple(sorted(cells, key=lambda c: (c.row, c.column))), **changes)


class TableStrategy(ABC):
    """One way of finding tables on a page (ruling lines, word alignment, …)."""

    name: ClassVar[str]

    @abstractmethod
    def find_tables(self, page: Any) -> list[FoundTable]:
        """Tables on ``page`` (a pdfplumber page), each with this strategy's confidence."""

    def may_find(self, page: Any) -> bool:
        """Cheap test: False only when ``find_tables`` certainly finds nothing on ``page``
        (the reader then takes the text route for it)."""
        return True


# --- characters -> text, shared by the strategies ---------------------------------------------------


def chars_to_text(chars: Sequence[dict]) -> str:
    """Text of the characters of one cell. Lines are joined without a break (Japanese has no
    spaces between words; a wrapped or stacked-vertical cell reads as one name), with a space only
    between two Latin letters or digits. Rotated text (not upright) reads bottom to top."""
    if not chars:
        return ""
    upright = [c for c in chars if c.get("upright", True)]
    if len(upright) * 2 < len(chars):
        return "".join(c["text"] for c in sorted(chars, key=lambda c: (round(c["x0"]), -c["bottom"]))).strip()
    lines = chars_to_lines(upright)
    text = ""
    for line in lines:
        part = line_chars_to_text(line)
        if text and part and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            text += " "
        text += part
    return " ".join(text.split()) if text.isascii() else text.strip()


def chars_to_lines(chars: Sequence[dict]) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(lines[-1][0]["top"] - ch["top"]) <= LINE_TOLERANCE * 0.7:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def line_chars_to_text(line: Sequence[dict]) -> str:
    out: list[str] = []
    prev = None
    for ch in line:
        if ch["text"].isspace():
            if out and out[-1] != " ":
                out.append(" ")
            prev = ch
            continue
        if prev is not None and out and out[-1] != " " and ch["x0"] - prev["x1"] > SPACE_FACTOR * ch.get("size", 10):
            out.append(" ")
        out.append(ch["text"])
        prev = ch
    return "".join(out).strip()


def chars_in_box(chars: Iterable[dict], box: BBox) -> list[dict]:
    """Characters whose centre lies in ``box``."""
    return [
        c
        for c in chars
        if box.x0 <= (c["x0"] + c["x1"]) / 2 <= box.x1 and box.top <= (c["top"] + c["bottom"]) / 2 <= box.bottom
    ]


@dataclass(frozen=True)
class CharIndex:
    """A page's characters sorted by the x of their centre: a ruled table has hundreds of
    cells, and scanning every character of the page for each of them is quadratic."""

    chars: tuple[dict, ...]
    centres: tuple[float, ...]  # sorted x of the centres
    order: tuple[int, ...]  # index into ``chars`` of each sorted centre

    @classmethod
    def of(cls, chars: Sequence[dict]) -> CharIndex:
        order = sorted(range(len(chars)), key=lambda i: (chars[i]["x0"] + chars[i]["x1"]) / 2)
        centres = tuple((chars[i]["x0"] + chars[i]["x1"]) / 2 for i in order)
        return cls(tuple(chars), centres, tuple(order))

    def in_box(self, box: BBox) -> list[dict]:
        """Same answer as ``chars_in_box(chars, box)``, page order kept."""
        band = self.order[bisect_left(self.centres, box.x0) : bisect_right(self.centres, box.x1)]
        inside = sorted(i for i in band if box.top <= (self.chars[i]["top"] + self.chars[i]["bottom"]) / 2 <= box.bottom)
        return [self.chars[i] for i in inside]


def boxes_overlap(a: BBox, b: BBox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


def cluster_values(values: Iterable[float], tolerance: float) -> list[float]:
    """Sorted values merged where closer than ``tolerance`` (each cluster by its mean)."""
    clusters: list[list[float]] = []
    for v in sorted(values):
        if clusters and v - clusters[-1][-1] <= tolerance:
            clusters[-1].append(v)
        else:
            clusters.append([v])
    return [sum(c) / len(c) for c in clusters]


def nearest_index(edges: Sequence[float], value: float) -> int:
    """Index of the edge nearest to ``value`` (the lower one on a tie); ``edges`` sorted."""
    at = bisect_left(edges, value)
    if at == 0:
        return 0
    if at == len(edges) or abs(edges[at - 1] - value) <= abs(edges[at] - value):
        return at - 1
    return at
