"""Tables in text: a document's lines -> tables and the text blocks between them.

Every text strategy (one module each behind ``text_base.TextTableStrategy``: ``text_tsv`` for
tab-separated rows and spreadsheet copies, ``text_layout`` for whitespace-aligned layout text)
proposes tables; per region of lines the candidate with the best structure score
(``text_score``) is kept (``choose_text_tables``), and the lines no table took are text blocks
(blank lines end a paragraph).

Each table carries the nearest text lines before it as ``context`` (titles, unit notes (単位) and
goal headings live there) and the text lines after it as ``following`` (notes).

``parts_to_items`` is the PDF reader's route for the text lines between the tables it found:
lines with cells at wide gaps (its own cells, no tabs) form tables as tab rows do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from extractors.model.document import BBox, Cell, Line, TextBlock
from extractors.model.table import RowSource, Table, TableCell
from extractors.normalize.periods import find_periods
from extractors.tables.text_base import TextTableStrategy, table_span
from extractors.tables.text_layout import LAYOUT, LayoutStrategy
from extractors.tables.text_score import table_score
from extractors.tables.text_tsv import TabsStrategy

CONTEXT_LINES = 8
FOLLOWING_LINES = 20
HEADING_LINES = 6
YEAR_HINT_LINES = 400
TABS = "tabs"


TEXT_STRATEGIES: Mapping[str, TextTableStrategy] = {TABS: TabsStrategy(), LAYOUT: LayoutStrategy()}


def lines_to_items(lines: Sequence[Line], strategies: Mapping[str, TextTableStrategy] = TEXT_STRATEGIES) -> tuple[TextBlock | Table, ...]:
    """Text blocks and tables in reading order; tables numbered in order, with their context."""
    candidates = [table for strategy in strategies.values() for table in strategy.find_tables(lines)]
    return attach_context(regions_to_items(lines, choose_text_tables(candidates)))


def choose_text_tables(candidates: Sequence[Table]) -> list[Table]:
    """Per region of lines, the candidate with the best structure score (``table_score``; a
    candidate no other overlaps needs none); a candidate overlapping one already chosen is
    dropped. In document order."""
    spans_of = [table_span(t) for t in candidates]
    contested = {k for k, (a, b) in enumerate(spans_of) for j, (c, d) in enumerate(spans_of) if j != k and not (b < c or d < a)}
    scores = [table_score(t) if k in contested else t.confidence for k, t in enumerate(candidates)]
    chosen: list[Table] = []
    spans: list[tuple[int, int]] = []
    for k in sorted(range(len(candidates)), key=lambda k: (-scores[k], spans_of[k])):
        table = candidates[k]
        first, last = table_span(table)
        if all(last < a or first > b for a, b in spans):
            chosen.append(table)
            spans.append((first, last))
    return sorted(chosen, key=table_span)


def regions_to_items(lines: Sequence[Line], tables: Sequence[Table]) -> list[TextBlock | Table]:
    """The tables at their place and the lines outside them as text blocks (a blank line, or a
    table, ends a block)."""
    starts = {table_span(t)[0]: t for t in tables}
    inside = {n for t in tables for n in range(table_span(t)[0], table_span(t)[1] + 1)}
    items: list[TextBlock | Table] = []
    block: list[Line] = []
    for line in lines:
        if line.number in inside or line.is_blank:
            if block:
                items.append(TextBlock(lines=tuple(block)))
            block = []
            if line.number in starts:
                items.append(starts[line.number])
            continue
        block.append(line)
    if block:
        items.append(TextBlock(lines=tuple(block)))
    return items


def parts_to_items(parts: Sequence[Sequence[Line] | Table], *, min_rows: int = 2) -> tuple[TextBlock | Table, ...]:
    """Runs of text lines (where tab-separated rows may still form tables of at least
    ``min_rows`` rows) and tables already found, in reading order -> items: tables numbered in
    order, each with the text above it as context and the text below it as notes."""
    items: list[TextBlock | Table] = []
    for part in parts:
        if isinstance(part, Table):
            items.append(part)
            continue
        for is_table, group in lines_to_groups(list(part)):
            if is_table and len(group) >= min_rows:
                items.append(lines_to_table(group))
            else:
                items.append(TextBlock(lines=tuple(group)))
    return attach_context(items)


def attach_context(items: list[TextBlock | Table]) -> tuple[TextBlock | Table, ...]:
    """Tables numbered in reading order; each gets the nearest text lines above it (nearest
    last), the first text lines between it and the next table (its notes) and the document's
    first text lines (its title, which says the year 本年度 means)."""
    out: list[TextBlock | Table] = []
    recent_text: list[str] = []
    text = [line.text.strip() for item in items if isinstance(item, TextBlock) for line in item.lines if not line.is_blank]
    heading, hint = tuple(text[:HEADING_LINES]), lines_to_year_hint(text[:YEAR_HINT_LINES])
    index = 0
    for k, item in enumerate(items):
        if isinstance(item, TextBlock):
            out.append(item)
            recent_text.extend(line.text.strip() for line in item.lines if not line.is_blank)
            continue
        following: list[str] = []
        for later in items[k + 1 :]:
            if isinstance(later, Table):
                break
            following.extend(line.text for line in later.lines if not line.is_blank)
        context = tuple(recent_text[-CONTEXT_LINES:])
        if item.caption and (not context or context[-1].replace("\t", " ") != item.caption):
            context = (*context[1 - CONTEXT_LINES :], item.caption)
        out.append(replace(item, index=index, context=context, following=tuple(following[:FOLLOWING_LINES]), heading=heading, year_hint=hint))
        index += 1
    return tuple(out)


def lines_to_year_hint(lines: Sequence[str]) -> int | None:
    """The median of the single years the text names (昭和50年 … 平成37年度): near the year the
    document was written, whatever history or targets it also names."""
    years = sorted(int(m[1]) for line in lines for _, period in find_periods(line) if (m := re.fullmatch(r"(?:FY)?(\d{4})", period)))
    return years[len(years) // 2] if years else None


def lines_to_table(lines: Sequence[Line], strategy: str = TABS) -> Table:
    """One row per line, one cell per field (PDF lines keep their cells' bbox and span; a label
    spread over its cell that the line split letter by letter is one cell again)."""
    width = lines_to_width(lines)
    fields = [spread_label_joined(line.cells, width) for line in lines]
    cells = [
        TableCell(text=c.text, row=r, column=c.column, row_span=c.row_span, col_span=c.col_span, page=line.page, bbox=c.bbox, line=line.number)
        for r, (line, line_cells) in enumerate(zip(lines, fields, strict=True))
        for c in line_cells
    ]
    rows = tuple(RowSource(page=line.page, first_line=line.number, last_line=line.number, bbox=line.bbox) for line in lines)
    return Table(
        cells=tuple(cells),
        n_rows=len(lines),
        n_columns=max((len(line_cells) for line_cells in fields), default=0),
        strategy=strategy,
        confidence=1.0,
        rows=rows,
    )


def printed_cells(cells: Sequence[Cell]) -> tuple[Cell, ...]:
    """The cells up to the last one that holds text."""
    end = max((k + 1 for k, c in enumerate(cells) if c.text.strip()), default=0)
    return tuple(cells[:end])


def lines_to_width(lines: Sequence[Line]) -> int:
    """The table's number of cells: the most common count of the lines that do not start with
    single letters (面 | 積 | 244.94 | km2 over 世帯数 | 112,968 | 世帯: 3), else of all lines."""
    plain = [len(printed_cells(line.cells)) for line in lines if not starts_with_letters(line.cells)]
    counts = plain or [len(printed_cells(line.cells)) for line in lines]
    return Counter(counts).most_common(1)[0][0] if counts else 0


def is_letter(cell: Cell) -> bool:
    text = cell.text.strip()
    return len(text) == 1 and not text.isdigit() and not text.isascii()


def starts_with_letters(cells: Sequence[Cell]) -> bool:
    """Two or more single letters open the line and something else follows them."""
    printed = printed_cells(cells)
    run = next((k for k, c in enumerate(printed) if not is_letter(c)), len(printed))
    return 2 <= run < len(printed)


def spread_label_joined(cells: Sequence[Cell], width: int) -> tuple[Cell, ...]:
    """``合 | 計 | 14,111,186 | 1,774,295`` in a table of three columns: a label spread over its
    cell (合　　計) whose letters the line split into cells of their own, one cell again. Only
    single letters (no digit, no ASCII) at the start of a line longer than the table are joined."""
    printed = printed_cells(cells)
    extra = len(printed) - width
    head = printed[: extra + 1]
    if width < 2 or extra < 1 or not all(is_letter(c) for c in head):
        return tuple(cells)
    boxes = [c.bbox for c in head if c.bbox is not None]
    box = BBox(min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes)) if boxes else None
    joined = replace(head[0], text="".join(c.text.strip() for c in head), bbox=box)
    return (joined, *(replace(c, column=c.column - extra) for c in cells[extra + 1 :]))


def lines_to_groups(lines: list[Line]) -> list[tuple[bool, list[Line]]]:
    """Split lines into (is_table, lines) runs; blank lines end text paragraphs and are dropped."""
    groups: list[tuple[bool, list[Line]]] = []
    current: list[Line] = []
    current_kind: bool | None = None

    def flush() -> None:
        nonlocal current, current_kind
        if current and current_kind is not None:
            groups.append((current_kind, current))
        current, current_kind = [], None

    for i, line in enumerate(lines):
        if line.is_blank:
            if current_kind is True and next_nonblank_is_tabular(lines, i):
                continue
            flush()
            continue
        kind = line_is_table_row(line)
        if kind is not current_kind:
            flush()
            current_kind = kind
        current.append(line)
    flush()
    return groups


def line_is_table_row(line: Line) -> bool:
    """A line with a tab separating text from other text (or from empty merged-cell slots)."""
    return len(line.cells) >= 2 and any(c.text for c in line.cells)


def next_nonblank_is_tabular(lines: list[Line], index: int) -> bool:
    for line in lines[index + 1 :]:
        if not line.is_blank:
            return line_is_table_row(line)
    return False
