"""Ruled tables: pdfplumber's line-based finder, with the grid recovered from the cell edges so
that a merged cell keeps its span (pdfplumber reports it as one cell and ``None`` in the slots it
covers; the span is where its edges fall on the grid).

    page -> visible and implied edges         ``edges.page_to_table_edges``
         -> pdfplumber tables                 ``page.find_tables`` (explicit edges)
         -> grid edges (x and y, clustered)   ``cells_to_edges``
         -> TableCell per cell with span      ``table_to_cells``
         -> entries stacked in a ruled row     ``stacked_rows.split_stacked_rows``
         -> confidence                         ``cells_to_confidence``
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import CharIndex, FoundTable, TableCell, TableStrategy, chars_to_text, cluster_values, nearest_index
from extractors.tables.edges import page_to_table_edges
from extractors.tables.grid import is_value_text
from extractors.tables.stacked_rows import split_stacked_rows

EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are one grid line
SLIVER = 7.0  # points: an empty strip this thin between two rules is a double rule, not a column


class RuledStrategy(TableStrategy):
    name = "ruled"

    def may_find(self, page: Any) -> bool:
        """No rectangle, line or curve: no ruling, nothing for the finder."""
        return bool(page.rects or page.lines or page.curves)

    def find_tables(self, page: Any) -> list[FoundTable]:
        if not self.may_find(page):
            return []
        vertical, horizontal = page_to_table_edges(page)
        if len(vertical) < 2 or len(horizontal) < 2:
            return []
        settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit", "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal, "snap_tolerance": 0}
        chars = CharIndex.of(page.chars)
        found = []
        for table in page.find_tables(settings):
            cells, xs, ys = table_to_cells(table.cells, chars, page.page_number)
            if len(xs) < 3 or len(ys) < 2 or (len(ys) < 3 and not one_row_of_values(cells, len(xs) - 1)):
                continue  # a frame or a single box is not a table; one ruled row of values is (a header printed once above)
            cells, n_rows = split_stacked_rows(cells, len(ys) - 1, chars)
            bbox = BBox(*table.bbox)
            found.append(
                FoundTable(
                    cells=cells,
                    n_rows=n_rows,
                    n_columns=len(xs) - 1,
                    bbox=bbox,
                    strategy=self.name,
                    confidence=cells_to_confidence(cells, n_rows, len(xs) - 1, CharIndex.of(chars.in_box(bbox))),
                    pages=(page.page_number,),
                    column_edges=tuple(xs),
                )
            )
        return found


def one_row_of_values(cells: Sequence[TableCell], n_columns: int) -> bool:
    """A single ruled row of three or more columns, holding values: a table whose header is
    printed once over an earlier table of the same columns (``stitch.lend_header``)."""
    return n_columns >= 3 and sum(1 for c in cells if is_value_text(c.text)) >= 2


def cells_to_edges(boxes: list[tuple[float, float, float, float]], chars: Sequence[dict] = ()) -> tuple[list[float], list[float]]:
    """Grid lines: cell edges clustered, then the thin empty strips between double rules (a
    header drawn as boxes inset from the body's rules) closed, so that they make no columns."""
    xs = cluster_values([v for b in boxes for v in (b[0], b[2])], EDGE_TOLERANCE)
    ys = cluster_values([v for b in boxes for v in (b[1], b[3])], EDGE_TOLERANCE)
    inside = [c for c in chars if not c["text"].isspace() and xs and ys and xs[0] <= (c["x0"] + c["x1"]) / 2 <= xs[-1] and ys[0] <= (c["top"] + c["bottom"]) / 2 <= ys[-1]]
    x_centres = sorted((c["x0"] + c["x1"]) / 2 for c in inside)
    y_centres = sorted((c["top"] + c["bottom"]) / 2 for c in inside)
    return close_slivers(xs, x_centres), close_slivers(ys, y_centres)


def close_slivers(edges: list[float], centres: list[float]) -> list[float]:
    """Edges closer than ``SLIVER`` with no character between them are one grid line (their mean)."""
    groups: list[list[float]] = []
    for edge in edges:
        if groups and edge - groups[-1][-1] < SLIVER and not any_between(centres, groups[-1][-1], edge):
            groups[-1].append(edge)
        else:
            groups.append([edge])
    return [sum(g) / len(g) for g in groups]


def any_between(sorted_values: list[float], low: float, high: float) -> bool:
    at = bisect_right(sorted_values, low)
    return at < len(sorted_values) and sorted_values[at] < high


def table_to_cells(boxes: list[tuple[float, float, float, float]], chars: CharIndex, page_number: int = 0) -> tuple[tuple[TableCell, ...], list[float], list[float]]:
    xs, ys = cells_to_edges(boxes, chars.chars)
    boxes = [box for box in boxes if not box_collapses(box, xs, ys)]
    spans = [box_to_span(box, xs, ys) for box in boxes]
    owner = slots_to_owner(spans)
    cells = []
    for k, (box, span) in enumerate(zip(boxes, spans, strict=True)):
        owned = [slot for slot, who in owner.items() if who == k]
        for row, col, row_span, col_span in slots_to_rectangles(owned):
            part = BBox(xs[col], ys[row], xs[col + col_span], ys[row + row_span]) if owned != span_slots(span) else BBox(*box)
            inside = [c for c in chars.in_box(part) if owner.get(char_slot(c, xs, ys), k) == k]
            cells.append(TableCell(text=chars_to_text(inside), row=row, column=col, bbox=part, row_span=row_span, col_span=col_span, page=page_number))
    cells.extend(uncovered_to_cells(cells, xs, ys, chars, page_number))
    return tuple(sorted(cells, key=lambda c: (c.row, c.column))), xs, ys


Span = tuple[int, int, int, int]  # row, column, row span, column span


def box_collapses(box: tuple[float, float, float, float], xs: list[float], ys: list[float]) -> bool:
    """A box lying in a strip closed as a double rule (both its edges on one grid line)."""
    x0, top, x1, bottom = box
    return nearest_index(xs, x0) == nearest_index(xs, x1) or nearest_index(ys, top) == nearest_index(ys, bottom)


def box_to_span(box: tuple[float, float, float, float], xs: list[float], ys: list[float]) -> Span:
    x0, top, x1, bottom = box
    col, row = min(nearest_index(xs, x0), len(xs) - 2), min(nearest_index(ys, top), len(ys) - 2)
    return row, col, max(nearest_index(ys, bottom) - row, 1), max(nearest_index(xs, x1) - col, 1)


def span_slots(span: Span) -> list[tuple[int, int]]:
    row, col, row_span, col_span = span
    return [(r, c) for r in range(row, row + row_span) for c in range(col, col + col_span)]


def slots_to_owner(spans: list[Span]) -> dict[tuple[int, int], int]:
    """Each grid slot belongs to the smallest cell covering it. pdfplumber reports an L-shaped
    merged cell (a 款 label spanning 款 and 項 on its first row, the 款 column below it empty)
    as its bounding rectangle, overlapping the cells inside: those keep their slots."""
    owner: dict[tuple[int, int], int] = {}
    for k in sorted(range(len(spans)), key=lambda i: (spans[i][2] * spans[i][3], i), reverse=True):
        for slot in span_slots(spans[k]):
            owner[slot] = k
    return owner


def slots_to_rectangles(slots: list[tuple[int, int]]) -> list[Span]:
    """Owned slots as rectangles, row by row: consecutive rows over the same columns join."""
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(slots):
        by_row.setdefault(r, []).append(c)
    runs: list[tuple[int, int, int]] = []  # row, first column, column span, per row (contiguous runs)
    for r, cols in by_row.items():
        start = prev = cols[0]
        for c in cols[1:] + [None]:  # type: ignore[list-item]
            if c is not None and c == prev + 1:
                prev = c
                continue
            runs.append((r, start, prev - start + 1))
            if c is not None:
                start = prev = c
    rectangles: list[Span] = []
    for r, col, width in runs:
        last = next((i for i, rect in enumerate(rectangles) if rect[1] == col and rect[3] == width and rect[0] + rect[2] == r), None)
        if last is None:
            rectangles.append((r, col, 1, width))
        else:
            row, c, height, w = rectangles[last]
            rectangles[last] = (row, c, height + 1, w)
    return rectangles


def char_slot(char: dict, xs: list[float], ys: list[float]) -> tuple[int, int]:
    """The grid slot a character's centre falls in."""
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    col = max(0, min(len(xs) - 2, bisect_right(xs, cx) - 1))
    row = max(0, min(len(ys) - 2, bisect_right(ys, cy) - 1))
    return row, col


def uncovered_to_cells(cells: list[TableCell], xs: list[float], ys: list[float], chars: CharIndex, page_number: int) -> list[TableCell]:
    """Grid slots no cell covers: a merged cell cut by a page break has no bottom rule, so the
    finder drops it. Each vertical run of such slots in a column becomes one cell."""
    covered = {slot for c in cells for slot in c.slots()}
    out = []
    for col in range(len(xs) - 1):
        row = 0
        while row < len(ys) - 1:
            if (row, col) in covered:
                row += 1
                continue
            end = row
            while end < len(ys) - 1 and (end, col) not in covered:
                end += 1
            bbox = BBox(xs[col], ys[row], xs[col + 1], ys[end])
            text = chars_to_text(chars.in_box(bbox))
            out.append(TableCell(text=text, row=row, column=col, bbox=bbox, row_span=end - row, page=page_number))
            row = end
    return out


def cells_to_confidence(cells: tuple[TableCell, ...], n_rows: int, n_columns: int, table_chars: CharIndex) -> float:
    """Share of grid slots covered exactly once, times the share of the table's characters that
    fall inside a cell: 1.0 for a clean grid."""
    cover = Counter(slot for c in cells for slot in c.slots())
    slots = n_rows * n_columns
    clean = sum(1 for v in cover.values() if v == 1) / slots if slots else 0.0
    inside = sum(len(table_chars.in_box(c.bbox)) for c in cells)
    share = min(inside / len(table_chars.chars), 1.0) if table_chars.chars else 1.0
    return round(clean * share, 4)
