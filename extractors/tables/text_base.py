"""What every text table strategy returns, and the contract it implements.

A text strategy looks at a document's lines (text inputs: one ``Line`` per line of the file, tabs
kept) and returns candidate ``Table``s: cells on a grid with their spans, one ``RowSource`` per
grid row giving the lines the row was read from (a row whose cells wrap over several lines spans
them), its name and a confidence in [0, 1]. ``extractors.tables.text`` runs every strategy and
keeps, per region of lines, the candidate with the best structure score.

Lines a table passed over (a repeated header, a page footer, a blank line between rows) lie
between its first and last row: the table's region is every line from its first row's first
line to its last row's last line.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from extractors.model.document import Line
from extractors.model.table import RowSource, Table, TableCell


class TextTableStrategy(ABC):
    """One way of reading tables in text (tabs, aligned columns, flattened rows)."""

    name: ClassVar[str]

    @abstractmethod
    def find_tables(self, lines: Sequence[Line]) -> list[Table]:
        """Candidate tables among ``lines`` (document order), each with this strategy's
        confidence; regions of different candidates may overlap (the caller chooses)."""


@dataclass(frozen=True)
class TextCell:
    """A cell read from text: its text, its grid column and how many columns it spans."""

    text: str
    column: int
    col_span: int = 1
    row_span: int = 1


@dataclass(frozen=True)
class TextRow:
    """One grid row read from text: its cells and the lines it was read from."""

    cells: tuple[TextCell, ...]
    page: int
    first_line: int
    last_line: int


def rows_to_table(rows: Sequence[TextRow], strategy: str, confidence: float, notes: tuple[str, ...] = ()) -> Table:
    """The table of ``rows`` (one grid row each): cells sorted, the width of the widest row."""
    cells = tuple(
        TableCell(text=c.text, row=r, column=c.column, row_span=c.row_span, col_span=c.col_span, page=row.page, line=row.first_line)
        for r, row in enumerate(rows)
        for c in sorted(row.cells, key=lambda c: c.column)
    )
    width = max((c.column + c.col_span for row in rows for c in row.cells), default=0)
    sources = tuple(RowSource(page=row.page, first_line=row.first_line, last_line=row.last_line) for row in rows)
    return Table(cells=cells, n_rows=len(rows), n_columns=width, strategy=strategy, confidence=confidence, rows=sources, notes=notes)


def table_span(table: Table) -> tuple[int, int]:
    """First and last document line of the region a table was read from."""
    return (min(r.first_line for r in table.rows), max(r.last_line for r in table.rows))


def join_fragments(parts: Sequence[str]) -> str:
    """A cell's text from the lines it wraps over: joined without a break (Japanese has no
    spaces between words: ``南阿`` + ``蘇村`` is ``南阿蘇村``), with a space only between two Latin
    letters or digits."""
    text = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if text and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            text += " "
        text += part
    return text


def display_width(text: str) -> int:
    """Columns a monospaced terminal gives ``text`` (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


PAGE_NUMBER_RE = re.compile(r"^[-－―‐—\s]*(?:p\.?\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[-－―‐—\s]*$", re.IGNORECASE)
RUNNING_BAND = 2  # non-blank lines at the bottom of a page where a page number sits


def running_lines(lines: Sequence[Line]) -> frozenset[int]:
    """Line numbers of page headers and footers: the first or last line of a page when it
    repeats (digits aside) as the first or last line of another page, and page numbers
    (``- 1 -``) among the last lines of a page. (A table's header repeated on every page is
    not one: it is the table's, and the table reader drops its repeats.)"""
    pages: dict[int, list[Line]] = {}
    for line in lines:
        if not line.is_blank:
            pages.setdefault(line.page, []).append(line)
    ends = {page: (page_lines[0], page_lines[-1]) for page, page_lines in pages.items()}
    seen: dict[str, set[int]] = {}
    for page, pair in ends.items():
        for line in pair:
            seen.setdefault(running_key(line.text), set()).add(page)
    out = {line.number for pair in ends.values() for line in pair if len(seen[running_key(line.text)]) >= 2}
    out |= {line.number for page_lines in pages.values() for line in page_lines[-RUNNING_BAND:] if PAGE_NUMBER_RE.match(line.text.strip())}
    return frozenset(out)


def running_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()))
