"""The sheet: a logical table laid out on pages (label placement, merges, borders, page breaks,
per-page totals).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tests.layout_fuzzer.families import label_row, paths_to_spans
from tests.layout_fuzzer.truth import SOFT_BREAK, LogicalTable, Row, solid
from tests.layout_fuzzer.variants import Layout, Variant

# --- the sheet: a table laid out -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetCell:
    row: int  # sheet row (header rows first)
    col: int
    text: str  # line breaks as "\n"
    row_span: int = 1
    col_span: int = 1
    valign: str = "middle"  # top | middle | bottom
    halign: str = "left"  # left | center | right
    vertical: str = ""  # "" | stacked | rotated
    borders: str = "tblr"  # sides drawn (ruled only)


@dataclass(frozen=True)
class PageSetup:
    width: float  # cm
    height: float
    font: float  # pt
    row: float  # cm, least body row height


@dataclass(frozen=True)
class Sheet:
    """A laid-out table: what LibreOffice, reportlab and the clipboard writer all draw from."""

    title: tuple[str, ...]
    running: str
    widths: tuple[float, ...]  # cm
    heights: tuple[float, ...]  # cm, per sheet row
    header_rows: int
    cells: tuple[SheetCell, ...]
    breaks: tuple[int, ...]  # sheet rows that start a new page (manual breaks)
    ruled: bool
    repeat_header: bool
    page: PageSetup

    @property
    def n_rows(self) -> int:
        return len(self.heights)


MARGIN = 1.0  # cm, top and bottom (left and right: 1.2)
HEADER_FOOTER = 1.8  # cm taken by the running header and footer
TITLE_ROW = 0.75  # cm per title line (and one blank row)
PAGES = ((21.0, 29.7), (29.7, 21.0), (36.4, 25.7), (42.0, 29.7))  # A4 portrait, A4 / B4 / A3 landscape
CM_PER_PT = 2.54 / 72


def char_cm(font: float) -> float:
    return font * CM_PER_PT


def text_lines(text: str) -> int:
    return text.count("\n") + 1


def rendered(text: str, breaks: bool) -> str:
    return text.replace(SOFT_BREAK, "\n" if breaks else "")


def draw_setup(variant: Variant) -> tuple[float, float, float]:
    """(font pt, body row cm, which page size to try first) drawn from the variant's name."""
    rng = random.Random(f"setup-{variant.name}")
    return rng.choice((8.0, 9.0, 10.0)), rng.choice((0.55, 0.65, 0.8)), rng.random()


NO_WRAP = ("number", "count", "value", "period", "member")  # columns whose cells never wrap (numbers, marks, periods)


def column_texts(table: LogicalTable, col: int) -> list[str]:
    """Body texts of a column, leaving out summary labels merged over it."""
    return [solid(r.cells[col]) for r in table.rows if col < len(r.cells) and not (r.kind != "data" and col < r.span)]


def display_width(text: str) -> float:
    return max((sum(map(char_width, line)) for line in text.split("\n")), default=0.0)


def column_widths(table: LogicalTable, layout: Layout, font: float) -> tuple[float, ...]:
    """Widths in cm: columns of numbers, marks and periods as wide as their widest cell (they
    never wrap); label, name and text columns at their nominal width (they wrap); member
    columns narrow when their names are printed vertically."""
    unit = char_cm(font)
    out = []
    for col, column in enumerate(table.columns):
        chars = column.width
        if column.kind in NO_WRAP:
            chars = max([display_width(t) for t in column_texts(table, col)] + [1.0])
            if column.kind == "member" and layout.header_text == "horizontal":
                chars = max(chars, display_width(rendered(column.header, layout.line_breaks != "none")))
            chars = max(chars, 1.6)
        out.append(round(chars * unit * 1.1 + 0.4, 2))
    return tuple(out)


def char_width(ch: str) -> float:
    """Width of a character in full-width characters (Latin letters and digits are half)."""
    return 0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0


def wrap_text(text: str, width: float, font: float) -> list[str]:
    """Lines of ``text`` in a column ``width`` cm wide, broken greedily (Japanese breaks anywhere)."""
    per_line = max(1.0, (width - 0.25) / char_cm(font))
    out = []
    for line in text.split("\n"):
        current, used = "", 0.0
        for ch in line:
            if current and used + char_width(ch) > per_line:
                out.append(current)
                current, used = "", 0.0
            current += ch
            used += char_width(ch)
        out.append(current)
    return out


def needed_height(cell: SheetCell, widths: Sequence[float], font: float) -> float:
    """Height in cm the cell's text needs: wrapped lines, or its length when printed vertically."""
    if cell.vertical == "stacked":
        return len(cell.text) * char_cm(font) * 1.1 + 0.4
    if cell.vertical == "rotated":
        return sum(map(char_width, cell.text)) * char_cm(font) + 0.4
    return len(wrap_text(cell.text, sum(widths[cell.col : cell.col + cell.col_span]), font)) * char_cm(font) * 1.25 + 0.25


def row_heights(cells: Sequence[SheetCell], widths: Sequence[float], n_rows: int, least: float, font: float) -> tuple[float, ...]:
    """Every row at least ``least`` and tall enough for its cells; a merged cell that needs more
    than its rows give spreads the difference over them."""
    heights = [least] * n_rows
    for cell in cells:
        if cell.row_span == 1:
            heights[cell.row] = max(heights[cell.row], needed_height(cell, widths, font))
    for cell in cells:
        rows = range(cell.row, min(cell.row + cell.row_span, n_rows))
        deficit = needed_height(cell, widths, font) - sum(heights[r] for r in rows)
        if cell.row_span > 1 and deficit > 0:
            for r in rows:
                heights[r] += deficit / len(rows)
    return tuple(round(h, 2) for h in heights)


def choose_page(widths: Sequence[float], first: float) -> tuple[float, float]:
    """The first page size (from a drawn start) wide enough for the table; the widest else."""
    need = sum(widths) + 2.6
    fitting = [p for p in PAGES if p[0] >= need] or [PAGES[-1]]
    return fitting[1] if len(fitting) > 1 and first > 0.7 else fitting[0]


def rows_per_page(page: PageSetup, header: float, title_lines: int, row: float) -> int:
    """Body rows of height ``row`` that fit on the first page (the tightest: it also carries the title)."""
    usable = page.height - 2 * MARGIN - HEADER_FOOTER - (title_lines + 1) * TITLE_ROW - header
    return max(3, int(usable / row))


def manual_chunks(count: int, capacity: int, rng: random.Random) -> list[int]:
    """Rows per page for manual breaks: 2-4 pages cut at drawn rows (inside groups as well),
    none longer than fits with room for a 小計, none of a single row."""
    top = max(2, capacity - 2)
    pages = min(count, max(rng.randint(2, 4), -(-count // top)))
    for _ in range(200):
        cuts = [0, *sorted(rng.sample(range(1, count), pages - 1)), count]
        sizes = [b - a for a, b in zip(cuts, cuts[1:], strict=False)]
        if max(sizes) <= top and min(sizes) >= min(2, count // pages):
            return sizes
    return [len(part) for part in (range(count)[k::pages] for k in range(pages))]


def subtotal_row(table: LogicalTable, rows: Sequence[Row], label: str = "小計") -> Row:
    """A per-page total: marks counted in member columns, numbers summed in count/value columns."""
    span = table.label_columns + 2
    cells: list[str] = [label, *[""] * (span - 1)]
    for i, column in enumerate(table.columns[span:], start=span):
        texts = [r.cells[i] for r in rows]
        if column.kind == "member":
            cells.append(str(sum(bool(t) for t in texts)))
        elif column.kind in ("count", "value"):
            cells.append(f"{sum(int(t.replace(',', '')) for t in texts if t):,}")
        else:
            cells.append("")
    return Row(tuple(cells), kind="subtotal", span=span)


def paginate_rows(table: LogicalTable, layout: Layout, capacity: int, rng: random.Random) -> tuple[list[Row], list[int]]:
    """Body rows with per-page 小計 rows inserted, and the body rows that start a new page."""
    rows = list(table.rows)
    if layout.breaks != "manual":
        return rows, []
    data = [r for r in rows if r.kind == "data"]
    tail = [r for r in rows if r.kind != "data"]
    sizes = manual_chunks(len(data), capacity, rng)
    out: list[Row] = []
    starts: list[int] = []
    at = 0
    for k, size in enumerate(sizes):
        if k:
            starts.append(len(out))
        page = data[at : at + size]
        at += size
        out += page
        if layout.totals == "per-page" and any(c.kind in ("count", "value") for c in table.columns):
            out.append(subtotal_row(table, page))
    return out + tail, starts


def placed_label_cells(rows: Sequence[Row], table: LogicalTable, layout: Layout, top: int) -> list[SheetCell]:
    """Label-column cells of data rows as ``layout.labels`` prints them. Spans never cross a
    non-data row (a page 小計 closes a page: the label is printed again on the next)."""
    kind, _, where = layout.labels.partition("-")
    cells: list[SheetCell] = []
    segment: list[int] = []
    for i, row in enumerate([*rows, Row((), kind="end")]):
        if row.kind == "data":
            segment.append(i)
            continue
        if segment:
            paths = [tuple(solid(c) for c in rows[j].cells[: table.label_columns]) for j in segment]
            for level in range(1, table.label_columns + 1):
                for s, e in paths_to_spans(paths, level):
                    text = rows[segment[s]].cells[level - 1]
                    cells += span_cells(text, top + segment[s], e - s, level - 1, kind, where, layout)
        segment = []
    return cells


def span_cells(text: str, first: int, size: int, col: int, kind: str, where: str, layout: Layout) -> list[SheetCell]:
    """The cells one group label occupies in its column over ``size`` rows from ``first``."""
    breaks = layout.line_breaks == "cells"
    text = rendered(text, breaks)
    ruled = layout.ruling == "ruled"
    if kind == "repeat":
        return [SheetCell(first + k, col, text, valign="middle") for k in range(size)]
    if kind == "merge":
        return [SheetCell(first, col, text, row_span=size, valign={"top": "top", "middle": "middle", "bottom": "bottom"}[where])]
    at = label_row(0, size, where)
    out = []
    for k in range(size):
        sides = "lr" + ("t" if k == 0 else "") + ("b" if k == size - 1 else "")
        out.append(SheetCell(first + k, col, text if k == at else "", borders=sides if ruled else "tblr"))
    return out


def placed_header_groups(table: LogicalTable, layout: Layout) -> list[SheetCell]:
    """Header group labels across their columns: the body placements turned sideways
    (top / middle / bottom -> left / centre / right)."""
    kind, _, where = layout.labels.partition("-")
    align = {"top": "left", "middle": "center", "bottom": "right", "": "center"}[where]
    out: list[SheetCell] = []
    for group in table.header_groups:
        size = group.stop - group.start
        text = rendered(group.label, layout.line_breaks != "none")
        if kind == "repeat":
            out += [SheetCell(0, group.start + k, text, halign="center") for k in range(size)]
        elif kind == "merge":
            out.append(SheetCell(0, group.start, text, col_span=size, halign=align))
        else:
            at = label_row(0, size, where)
            for k in range(size):
                sides = "tb" + ("l" if k == 0 else "") + ("r" if k == size - 1 else "")
                out.append(SheetCell(0, group.start + k, text if k == at else "", halign="center", borders=sides))
    return out


def header_sheet_cells(table: LogicalTable, layout: Layout) -> list[SheetCell]:
    breaks = layout.line_breaks != "none"
    out = []
    for cell in table.header:
        column = table.columns[cell.col]
        vertical = layout.header_text if column.kind == "member" and layout.header_text != "horizontal" else ""
        text = solid(cell.text) if vertical else rendered(cell.text, breaks)
        out.append(SheetCell(cell.row, cell.col, text, cell.row_span, cell.col_span, halign="center", vertical=vertical))
    return out + placed_header_groups(table, layout)


def body_sheet_cells(rows: Sequence[Row], table: LogicalTable, layout: Layout, top: int) -> list[SheetCell]:
    """Every body cell but the data rows' labels (placed separately)."""
    breaks = layout.line_breaks == "cells"
    out: list[SheetCell] = []
    for i, row in enumerate(rows):
        first = table.label_columns if row.kind == "data" else 0
        for col in range(first, len(row.cells)):
            if row.kind != "data" and 0 < col < row.span:
                continue
            column = table.columns[col]
            span = row.span if row.kind != "data" and col == 0 else 1
            align = "right" if column.kind in ("value", "count", "period") and col >= span else (
                "center" if column.kind in ("member", "number") else "left")
            out.append(SheetCell(top + i, col, rendered(row.cells[col], breaks), col_span=span, halign=align))
    return out + placed_label_cells(rows, table, layout, top)


def table_to_sheet(variant: Variant) -> Sheet:
    """Lay ``variant``'s table out: label placement, header text, page breaks and totals.
    Manual pages are cut shorter until each fits its page (no break LibreOffice adds itself)."""
    table, layout = variant.table(), variant.layout
    font, row_cm, first = draw_setup(variant)
    widths = column_widths(table, layout, font)
    page = PageSetup(*choose_page(widths, first), font, row_cm)
    header = header_sheet_cells(table, layout)
    header_cm = sum(row_heights(header, widths, table.header_rows, 0.7, font))
    capacity = rows_per_page(page, header_cm, len(table.title), row_cm)
    while True:
        sheet = lay_out(table, layout, page, widths, header, capacity, random.Random(f"breaks-{variant.name}"))
        if capacity <= 3 or all(pages_fit(sheet)):
            return sheet
        capacity -= 1


def lay_out(table: LogicalTable, layout: Layout, page: PageSetup, widths: tuple[float, ...], header: list[SheetCell], capacity: int, rng: random.Random) -> Sheet:
    """Paginate, place and measure: the sheet for manual pages of at most ``capacity`` rows."""
    top = table.header_rows
    rows, starts = paginate_rows(table, layout, capacity, rng)
    cells = header + body_sheet_cells(rows, table, layout, top)
    body = [replace(c, row=c.row - top) for c in cells if c.row >= top]
    heights = row_heights(header, widths, top, 0.7, page.font) + row_heights(body, widths, len(rows), page.row, page.font)
    page = replace(page, height=page_height(page, heights, top, len(table.title), layout.breaks, rng.uniform(1.6, 3.6)))
    return Sheet(
        title=table.title, running=table.running, widths=widths, heights=heights, header_rows=top, cells=tuple(cells),
        breaks=tuple(top + s for s in starts), ruled=layout.ruling == "ruled", repeat_header=layout.header_repeat, page=page,
    )


def pages_fit(sheet: Sheet) -> list[bool]:
    """Per manually cut page: do its rows fit (with the title on the first, the header where printed)?"""
    cuts = [sheet.header_rows, *sheet.breaks, sheet.n_rows]
    return [sum(sheet.heights[a:b]) <= body_room(sheet, first=k == 0) for k, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))]


def page_height(page: PageSetup, heights: Sequence[float], header_rows: int, title_lines: int, breaks: str, pages: float = 2.3) -> float:
    """``none``: one page tall enough for everything; ``natural``: the standard height, or a
    shorter page when the table would fit on one, about ``pages`` pages long (so the page
    length does break it)."""
    fixed = 2 * MARGIN + HEADER_FOOTER + (title_lines + 1) * TITLE_ROW + sum(heights[:header_rows]) + 0.5
    body = sum(heights[header_rows:])
    if breaks == "none":
        return round(max(page.height, fixed + body + 1.0), 2)
    if breaks == "natural" and fixed + body < page.height:
        return round(max(fixed + 3 * max(heights[header_rows:]), fixed + body / pages), 2)
    return page.height




def body_room(sheet: Sheet, first: bool) -> float:
    header = sum(sheet.heights[: sheet.header_rows]) if first or sheet.repeat_header else 0.0
    title = (len(sheet.title) + 1) * TITLE_ROW if first else 0.0
    return sheet.page.height - 2 * MARGIN - HEADER_FOOTER - title - header
