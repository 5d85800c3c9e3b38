"""Tab-separated tables: text extractions of PDFs and spreadsheet copies write cells with tabs.

A run of lines with a tab is one table; a blank line does not end it when the next non-blank
line has a tab too (extraction often inserts blank lines between rows). Every tab field is a
cell, empty ones included: their position is evidence of merged cells and dropped marks.

A spreadsheet copy adds three things a reader must undo before that:

- a cell holding a line break, a tab or a quote is quoted (``"事業費\\n（千円）"``, ``""`` for a
  quote): the quoted field runs over the lines it holds (``lines_to_rows``, quoted);
- copied bare, a cell's line breaks cut its row in pieces: in a block where every row has the
  same number of tabs, a line with fewer tabs is continued by the next lines until the count is
  reached, each cut joining the last field of one piece to the first field of the next;
- titles and unit captions above the table carry the row's empty cells as trailing tabs: a
  leading (or trailing) row whose only text is in its first field is text above (or below) the
  table, not a row of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model.document import Line
from extractors.model.table import Table
from extractors.tables.text_base import TextCell, TextRow, TextTableStrategy, join_fragments, rows_to_table

TABS = "tabs"
MAX_QUOTED_LINES = 12  # a quoted cell longer than this is a stray quote, not a cell
MIN_CUT_BLOCK_ROWS = 3  # fewer rows of one width are too little evidence of a bare copy


@dataclass(frozen=True)
class TabLine:
    """One logical row of tab fields and the physical lines it was read from."""

    fields: tuple[str, ...]
    page: int
    first_line: int
    last_line: int

    @property
    def is_blank(self) -> bool:
        return not any(f.strip() for f in self.fields)

    @property
    def is_row(self) -> bool:
        """A line with a tab separating text from other text (or from empty merged-cell slots)."""
        return len(self.fields) >= 2 and any(f.strip() for f in self.fields)

    @property
    def filled(self) -> int:
        return sum(1 for f in self.fields if f.strip())


class TabsStrategy(TextTableStrategy):
    """Tables of tab-separated rows (quoted and bare spreadsheet copies included)."""

    name = TABS

    def find_tables(self, lines: Sequence[Line]) -> list[Table]:
        rows = lines_to_tab_lines(lines)
        return [tab_lines_to_table(group) for group in tab_lines_to_groups(rows)]


# --- physical lines -> logical rows ---------------------------------------------------------------------


def lines_to_tab_lines(lines: Sequence[Line]) -> list[TabLine]:
    """Quoted fields unquoted over the lines they hold, then bare rows cut by line breaks
    joined (``join_cut_rows``); other lines one row each."""
    out: list[TabLine] = []
    i = 0
    while i < len(lines):
        found = quoted_row(lines, i)
        if found is None:
            line = lines[i]
            out.append(TabLine(tuple(c.text for c in line.cells) or (line.text,), line.page, line.number, line.number))
            i += 1
            continue
        fields, used = found
        out.append(TabLine(fields, lines[i].page, lines[i].number, lines[i + used - 1].number))
        i += used
    return join_cut_rows(out)


def line_fields_text(line: Line) -> str:
    """The line's tab fields joined back with tabs (trailing empty fields kept)."""
    return "\t".join(c.text for c in line.cells)


def quoted_row(lines: Sequence[Line], start: int) -> tuple[tuple[str, ...], int] | None:
    """The fields of a tab row with a quoted field (spreadsheet clipboard quoting) starting at
    line ``start``, and how many lines it takes; None when the line quotes nothing or the
    quote is not closed within a few lines of the same page."""
    first = lines[start]
    if not any(c.text.startswith('"') for c in first.cells):
        return None
    text = line_fields_text(first)
    for used in range(1, MAX_QUOTED_LINES + 1):
        fields = split_quoted(text)
        if fields is not None:
            return (fields, used) if len(fields) >= 2 else None
        if start + used >= len(lines) or lines[start + used].page != first.page:
            return None
        text += "\n" + line_fields_text(lines[start + used])
    return None


def split_quoted(text: str) -> tuple[str, ...] | None:
    """Tab fields of ``text`` with quoted fields unquoted (``""`` is a quote, a quoted field may
    hold tabs and line breaks); None while a quoted field is still open. A field that does not
    open with a quote is taken as it is."""
    fields: list[str] = []
    i = 0
    while True:
        if text.startswith('"', i):
            value: list[str] = []
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return None
                value.append(text[j:k])
                if text.startswith('"', k + 1):
                    value.append('"')
                    j = k + 2
                    continue
                break
            end = k + 1
            if end < len(text) and text[end] != "\t":
                # a quote inside an unquoted-looking field: read the field as printed
                stop = text.find("\t", i)
                fields.append(text[i:] if stop < 0 else text[i:stop])
                if stop < 0:
                    return tuple(fields)
                i = stop + 1
                continue
            fields.append("".join(value))
            if end >= len(text):
                return tuple(fields)
            i = end + 1
            continue
        stop = text.find("\t", i)
        if stop < 0:
            fields.append(text[i:])
            return tuple(fields)
        fields.append(text[i:stop])
        i = stop + 1


def join_cut_rows(rows: list[TabLine]) -> list[TabLine]:
    """Rows of a bare spreadsheet copy put back together (see the module docstring), block by
    block: a block is a run of lines without an empty one, and it is joined only when all of
    it reads as rows of one width (else its lines stay as they are)."""
    out: list[TabLine] = []
    block: list[TabLine] = []
    for row in [*rows, None]:
        if row is not None and any(row.fields):
            block.append(row)
            continue
        out += block_to_rows(block) or block
        block = []
        if row is not None:
            out.append(row)
    return out


def block_to_rows(block: Sequence[TabLine]) -> list[TabLine] | None:
    """The rows of a block cut by line breaks, or None when it is not one (a row with more
    tabs than the widest, pieces that do not add up to the width, or too few rows to tell a
    copy from lines of varying width that happen to add up). Lines without a tab
    before the first row and after the last are text around the table."""
    width = max((len(r.fields) for r in block), default=0)
    tabbed = [k for k, r in enumerate(block) if len(r.fields) > 1]
    if width < 3 or all(len(r.fields) == width for r in block[tabbed[0] : tabbed[-1] + 1]):
        return None
    first, last = tabbed[0], tabbed[-1]
    rows = list(block[:first])
    i = first
    while i <= last:
        row = block[i]
        i += 1
        while i <= last and continues(row, block[i], block[i + 1] if i + 1 <= last else None, width):
            piece = block[i]
            row = TabLine((*row.fields[:-1], row.fields[-1] + "\n" + piece.fields[0], *piece.fields[1:]), row.page, row.first_line, piece.last_line)
            i += 1
        if len(row.fields) != width:
            return None
        rows.append(row)
    if len(rows) - first < MIN_CUT_BLOCK_ROWS:
        return None
    return rows + list(block[last + 1 :])


def continues(row: TabLine, piece: TabLine, after: TabLine | None, width: int) -> bool:
    """Does ``piece`` continue ``row`` (the rest of its last cell, cut by a line break)? A row
    short of the width is continued by pieces that fit; a full row by a piece without a tab
    when that piece cannot start the next row (the next line opens with an empty cell), or
    when it can but the row ends in text (a value is never cut)."""
    if piece.page != row.page or not row.fields[-1].strip() or not piece.fields[0].strip():
        return False
    if len(row.fields) < width:
        return len(row.fields) + len(piece.fields) - 1 <= width
    if len(piece.fields) > 1:
        return False
    starts_next = after is not None and bool(after.fields[0].strip()) and len(after.fields) == width
    return not starts_next or not is_value_like(row.fields[-1].split("\n")[-1])


def is_value_like(text: str) -> bool:
    """A number or a mark: a cell no line break cuts."""
    compact = text.replace(",", "").replace(" ", "")
    return bool(compact) and all(ch.isdigit() or ch in ".-▲△●○◎×%％" for ch in compact)


# --- logical rows -> tables ------------------------------------------------------------------------------


def tab_lines_to_groups(rows: Sequence[TabLine]) -> list[list[TabLine]]:
    """Runs of table rows: a blank line inside a run is dropped when the next non-blank line is
    a row too; title rows above (and notes below) the run that only fill their first field are
    left out."""
    groups: list[list[TabLine]] = []
    current: list[TabLine] = []
    for i, row in enumerate(rows):
        if row.is_row:
            current.append(row)
            continue
        if row.is_blank and current and next_nonblank_is_row(rows, i):
            continue
        if current:
            groups.append(current)
        current = []
    if current:
        groups.append(current)
    return [trim_title_rows(group) for group in groups]


def next_nonblank_is_row(rows: Sequence[TabLine], index: int) -> bool:
    for row in rows[index + 1 :]:
        if not row.is_blank:
            return row.is_row
    return False


def is_title_row(row: TabLine) -> bool:
    """Only the first field holds text: a title or caption copied with the row's empty cells."""
    return bool(row.fields[0].strip()) and row.filled == 1 and len(row.fields) >= 3


def trim_title_rows(group: list[TabLine]) -> list[TabLine]:
    """The group without its leading and trailing title rows (kept when nothing else is left)."""
    start, stop = 0, len(group)
    while start < stop and is_title_row(group[start]):
        start += 1
    while stop > start and is_title_row(group[stop - 1]):
        stop -= 1
    return group[start:stop] if start < stop else group


def tab_lines_to_table(group: Sequence[TabLine]) -> Table:
    """One row per logical line, one cell per field (a field cut by line breaks read whole)."""
    rows = [
        TextRow(
            cells=tuple(TextCell(text=join_fragments(f.split("\n")) if "\n" in f else f.strip(), column=k) for k, f in enumerate(row.fields)),
            page=row.page,
            first_line=row.first_line,
            last_line=row.last_line,
        )
        for row in group
    ]
    return rows_to_table(rows, TABS, 1.0)
