"""A table continued on the next page becomes one table.

``tables_continue``  the continuation has the same columns (same count, edges within tolerance)
``stitch``           rows of the continuation appended, its repeated header rows dropped, a
                     merged cell cut by the page break joined with its other part (the label
                     kept once, on the first row it covers), and a row the break cut (its rest
                     opens the next page under a blank label) joined again
``lend_header``      a table printed without header under a table of the same columns (a
                     budget book prints the header once per page, over each 項's table)
                     takes that table's header rows; a total row printed as a table of its
                     own, its label merged over the columns the table above divides
                     (一般会計合計 under a project list), first takes that table's columns
``complete_header``  a table whose header prints only the first of the headings of the
                     table above it (前々年度 | 前年度 | 本年度 | (blank) … under 前々年度 |
                     前年度 | 本年度 | 29年度 …) takes the rest from it

Pure functions: the inputs are not changed (camelot's ``stack_contiguous`` does the same).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from extractors.model.document import BBox
from extractors.normalize.amounts import UNIT_WORDS
from extractors.tables.base import FoundTable, TableCell
from extractors.tables.grid import LEADING_UNIT_RE, is_value_text

EDGE_TOLERANCE = 4.0  # points between the column edges of the two parts
CORRIDOR_TOLERANCE = 10.0  # points between the corridor middles of two borderless parts
MAX_HEADER_ROWS = 4


def tables_continue(first: FoundTable, second: FoundTable) -> bool:
    """Same strategy, same columns: ruled boundaries within ``EDGE_TOLERANCE``; the inner
    boundaries of borderless tables (corridor middles: the outer ends and the starts of
    right-aligned numbers move with what each page prints) within ``CORRIDOR_TOLERANCE``."""
    if first.n_columns != second.n_columns or first.strategy != second.strategy:
        return False
    if len(first.column_edges) != len(second.column_edges):
        return False
    pairs = list(zip(first.column_edges, second.column_edges, strict=True))
    if first.strategy == "borderless":
        return all(abs(a - b) <= CORRIDOR_TOLERANCE for a, b in pairs[1:-1])
    return all(abs(a - b) <= EDGE_TOLERANCE for a, b in pairs)


def repeated_header_rows(first: FoundTable, second: FoundTable) -> int:
    """How many leading rows of ``second`` repeat the leading rows of ``first``, cell by cell.
    A repeated header cell may carry more text before or after: the label of a merged cell cut
    by the page break, which office suites draw across the break (clipped, but in the text
    layer) when that label is printed in the same column on the first part."""
    count = 0
    while count < min(MAX_HEADER_ROWS, first.n_rows, second.n_rows - 1):
        again = second.row_texts(count)
        if not any(again) or not all(cell_repeats(a, b, column_texts(first, k)) for k, (a, b) in enumerate(zip(first.row_texts(count), again, strict=True))):
            break
        count += 1
    return count


def column_texts(table: FoundTable, column: int) -> list[str]:
    return [c.text for c in table.cells if c.column == column and c.text]


def cell_repeats(header: str, again: str, printed: list[str]) -> bool:
    if again == header:
        return True
    if not header or header not in again:
        return False
    before, _, after = again.partition(header)
    return all(not extra or any(extra in text for text in printed) for extra in (before, after))


def stitch(first: FoundTable, second: FoundTable) -> FoundTable:
    skip = repeated_header_rows(first, second)
    offset = first.n_rows - skip
    open_cells = {c.column: c for c in first.cells if c.row + c.row_span == first.n_rows}
    cells = {(c.row, c.column): c for c in first.cells}
    if row_is_cut(first, second, skip):
        for cell in (c for c in second.cells if c.row == skip and c.text.strip()):
            prev = open_cells.get(cell.column)
            cells[(prev.row, prev.column)] = replace(prev, text=f"{prev.text}\n{cell.text}" if prev.text else cell.text)
        skip, offset = skip + 1, offset - 1
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


def row_is_cut(first: FoundTable, second: FoundTable, skip: int) -> bool:
    """The continuation opens with the rest of the row the page break cut: its label cell is
    blank under a labelled last row, and it prints text only, no figure (a 内容 sentence whose
    bracketed list went over the page), in cells of one row each on both sides."""
    if skip >= second.n_rows:
        return False
    last = [c for c in first.row_cells(first.n_rows - 1) if c is not None]
    rest = [c for c in second.row_cells(skip) if c is not None]
    if len(last) != first.n_columns or len(rest) != second.n_columns or any(c.row_span != 1 or c.col_span != 1 for c in (*last, *rest)):
        return False
    texts = [c.text.strip() for c in rest]
    return bool(last[0].text.strip()) and not texts[0] and any(texts) and not any(is_value_text(t) for t in texts)


def cell_continues(prev: TableCell, cell: TableCell) -> bool:
    """The first body cell of a continuation is the rest of a merged cell cut by the page break
    when either part spans rows and it prints no other text (office suites print the label of a
    cut merged cell on one part or on both)."""
    if prev.col_span != cell.col_span or (prev.row_span == 1 and cell.row_span == 1):
        return False
    return not cell.text or not prev.text or cell.text == prev.text


def header_rows(table: FoundTable) -> int:
    """Leading rows without a value (at most ``MAX_HEADER_ROWS``)."""
    return next((row for row in range(min(MAX_HEADER_ROWS, table.n_rows)) if any(is_value_text(t) for t in table.row_texts(row))), min(MAX_HEADER_ROWS, table.n_rows))


def header_lender(table: FoundTable, earlier: Sequence[FoundTable]) -> FoundTable | None:
    """The nearest of ``earlier`` tables that can lend ``table`` its header: ``table`` prints
    none, the lender does (and has rows below it) and has the same columns, or the columns
    ``table`` prints are some of the lender's, merged (``on_columns_of``)."""
    if header_rows(table) != 0:
        return None
    return next(
        (t for t in reversed(earlier) if 0 < header_rows(t) < t.n_rows and (tables_continue(t, table) or on_columns_of(t, table) is not None)),
        None,
    )


def edge_indexes(lender: FoundTable, table: FoundTable) -> list[int] | None:
    """Which of the lender's ruled column edges each edge of ``table`` lies on; None unless all
    do, the outer edges on the outer edges."""
    if lender.strategy != "ruled" or table.strategy != "ruled" or len(table.column_edges) != table.n_columns + 1:
        return None
    out = []
    for edge in table.column_edges:
        k = next((i for i, e in enumerate(lender.column_edges) if abs(e - edge) <= EDGE_TOLERANCE), None)
        if k is None:
            return None
        out.append(k)
    return out if out[0] == 0 and out[-1] == len(lender.column_edges) - 1 else None


def on_columns_of(lender: FoundTable, table: FoundTable) -> FoundTable | None:
    """``table`` on the lender's columns, each cell spanning those its edges enclose; None when
    its edges are not among the lender's or it already has the same columns."""
    indexes = edge_indexes(lender, table)
    if indexes is None or table.n_columns == lender.n_columns:
        return None
    cells = [replace(c, column=indexes[c.column], col_span=indexes[c.column + c.col_span] - indexes[c.column]) for c in table.cells]
    return table.with_cells(cells, n_columns=lender.n_columns, column_edges=lender.column_edges)


def lend_header(first: FoundTable, second: FoundTable) -> FoundTable:
    """``second`` with the header rows of ``first`` above its own rows, and the units ``first``
    prints over the number of its first data cells (``千円16,203,500``) as a row of units."""
    second = on_columns_of(first, second) or second
    count = header_rows(first)
    header = [c for c in first.cells if c.row < count]
    units = [replace(c, text=match["unit"], row=count) for c in first.cells if c.row == count and (match := leading_unit(c.text))]
    count += bool(units)
    moved = [replace(c, row=c.row + count) for c in second.cells]
    return second.with_cells(header + units + moved, n_rows=second.n_rows + count)


def leading_unit(text: str) -> re.Match[str] | None:
    match = LEADING_UNIT_RE.match(text.replace("\n", ""))
    return match if match and match["unit"] in UNIT_WORDS else None


def header_completer(table: FoundTable, earlier: Sequence[FoundTable]) -> FoundTable | None:
    """The nearest of ``earlier`` tables with the same columns whose first rows agree with
    every heading ``table`` prints and fill slots ``table`` leaves blank (its headings may be
    years, which ``header_rows`` takes for values)."""
    count = header_rows(table)
    if not 0 < count < table.n_rows:
        return None
    mine = header_slots(table, count)
    for other in reversed(earlier):
        if other.n_rows <= count or not tables_continue(other, table):
            continue
        theirs = header_slots(other, count)
        agree = all(theirs.get(slot) == text for slot, text in mine.items())
        if agree and set(theirs) - set(mine):
            return other
    return None


def complete_header(first: FoundTable, second: FoundTable) -> FoundTable:
    """``second`` with ``first``'s header cells on the header slots it leaves blank."""
    count = header_rows(second)
    taken = {slot for cell in second.cells if cell.text.strip() for slot in cell.slots()}
    lent = [c for c in first.cells if c.row < count and c.text.strip() and taken.isdisjoint(c.slots())]
    starts = {(c.row, c.column) for c in lent}
    kept = [c for c in second.cells if c.text.strip() or (c.row, c.column) not in starts]  # a blank cell lent text takes its place
    return second.with_cells(kept + lent)


def header_slots(table: FoundTable, count: int) -> dict[tuple[int, int], str]:
    """The header rows' printed headings by slot, compared without white space."""
    return {(cell.row, cell.column): "".join(cell.text.split()) for cell in table.cells if cell.row < count and cell.text.strip()}
