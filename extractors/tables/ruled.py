"""Ruled tables: pdfplumber's line-based finder, with the grid recovered from the cell edges so
that a merged cell keeps its span (pdfplumber reports it as one cell and ``None`` in the slots it
covers; the span is where its edges fall on the grid).

    page -> pdfplumber tables                 ``page.find_tables()``
         -> grid edges (x and y, clustered)   ``cells_to_edges``
         -> TableCell per cell with span      ``table_to_cells``
         -> confidence                         ``cells_to_confidence``
"""

from __future__ import annotations

from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import CharIndex, FoundTable, TableCell, TableStrategy, chars_to_text, cluster_values, nearest_index

EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are one grid line


class RuledStrategy(TableStrategy):
    name = "ruled"

    def may_find(self, page: Any) -> bool:
        """No rectangle and no line: no ruling, nothing for the finder."""
        return bool(page.rects or page.lines)

    def find_tables(self, page: Any) -> list[FoundTable]:
        if not self.may_find(page):
            return []
        chars = CharIndex.of(page.chars)
        found = []
        for table in page.find_tables():
            cells, xs, ys = table_to_cells(table.cells, chars, page.page_number)
            if len(ys) < 3 or len(xs) < 3:
                continue  # a frame or a single box is not a table
            bbox = BBox(*table.bbox)
            found.append(
                FoundTable(
                    cells=cells,
                    n_rows=len(ys) - 1,
                    n_columns=len(xs) - 1,
                    bbox=bbox,
                    strategy=self.name,
                    confidence=cells_to_confidence(cells, len(ys) - 1, len(xs) - 1, CharIndex.of(chars.in_box(bbox))),
                    pages=(page.page_number,),
                    column_edges=tuple(xs),
                )
            )
        return found


def cells_to_edges(boxes: list[tuple[float, float, float, float]]) -> tuple[list[float], list[float]]:
    xs = cluster_values([v for b in boxes for v in (b[0], b[2])], EDGE_TOLERANCE)
    ys = cluster_values([v for b in boxes for v in (b[1], b[3])], EDGE_TOLERANCE)
    return xs, ys


def table_to_cells(boxes: list[tuple[float, float, float, float]], chars: CharIndex, page_number: int = 0) -> tuple[tuple[TableCell, ...], list[float], list[float]]:
    xs, ys = cells_to_edges(boxes)
    cells = []
    for x0, top, x1, bottom in boxes:
        col, row = nearest_index(xs, x0), nearest_index(ys, top)
        col_end, row_end = nearest_index(xs, x1), nearest_index(ys, bottom)
        bbox = BBox(x0, top, x1, bottom)
        cells.append(
            TableCell(
                text=chars_to_text(chars.in_box(bbox)),
                row=row,
                column=col,
                bbox=bbox,
                row_span=max(row_end - row, 1),
                col_span=max(col_end - col, 1),
                page=page_number,
            )
        )
    cells.extend(uncovered_to_cells(cells, xs, ys, chars, page_number))
    return tuple(sorted(cells, key=lambda c: (c.row, c.column))), xs, ys


def uncovered_to_cells(cells: list[TableCell], xs: list[float], ys: list[float], chars: CharIndex, page_number: int) -> list[TableCell]:
    """Grid slots no cell covers: a merged cell cut by a page break has no bottom rule, so the
    finder drops it. Each vertical run of such slots in a column becomes one cell."""
    covered = {(r, k) for c in cells for r in range(c.row, c.row + c.row_span) for k in range(c.column, c.column + c.col_span)}
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
    cover: dict[tuple[int, int], int] = {}
    for c in cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.column, c.column + c.col_span):
                cover[(r, k)] = cover.get((r, k), 0) + 1
    slots = n_rows * n_columns
    clean = sum(1 for v in cover.values() if v == 1) / slots if slots else 0.0
    inside = sum(len(table_chars.in_box(c.bbox)) for c in cells)
    share = min(inside / len(table_chars.chars), 1.0) if table_chars.chars else 1.0
    return round(clean * share, 4)
