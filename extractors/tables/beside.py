"""Two ruled tables printed beside each other on the same rows are one table.

A budget book's 款 summary is often set as a spread: the left table prints the row labels and
the amounts, the right one, a gutter away, continues the same rows with the breakdown of
their funding (特定財源 / 一般財源) and no labels of its own. Read apart, the right table's
figures have no row they belong to. Its top and bottom rules are the left table's, and its
row rules fall on the left table's (its header may split a header row of the left in three).

    two ruled tables -> beside each other?         ``tables_beside``
                        (same top and bottom, a narrow gap, the left one labels its rows,
                        the right one prints figures only below its header, row rules in
                        common)
                     -> one table                  ``join_beside``
                        (rows cut at every rule of either; a cell spans the rows it covers)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from extractors.model.document import BBox
from extractors.normalize.amounts import UNIT_WORDS
from extractors.tables.base import FoundTable, cluster_values, nearest_index
from extractors.tables.grid import is_placeholder_text, is_value_text
from extractors.tables.stitch import header_rows

EDGE_TOLERANCE = 3.0  # points: rules this close are the same rule
MAX_GAP = 120.0  # points between the two tables
SHARED_RULES = 0.8  # share of the fewer-ruled table's row rules the other prints too


def joined_beside(tables: Sequence[FoundTable]) -> list[FoundTable]:
    """The page's tables, each pair printed beside each other joined into one."""
    out = sorted(tables, key=lambda t: (t.bbox.top, t.bbox.x0))
    k = 0
    while k < len(out):
        right = next((j for j, t in enumerate(out) if j != k and tables_beside(out[k], t)), None)
        if right is None:
            k += 1
            continue
        joined = join_beside(out[k], out[right])
        out = [t for j, t in enumerate(out) if j not in (k, right)]
        out.insert(k, joined)
    return out


def tables_beside(left: FoundTable, right: FoundTable) -> bool:
    if left.strategy != "ruled" or right.strategy != "ruled" or left.pages != right.pages:
        return False
    level = abs(left.bbox.top - right.bbox.top) <= EDGE_TOLERANCE and abs(left.bbox.bottom - right.bbox.bottom) <= EDGE_TOLERANCE
    gap = right.bbox.x0 - left.bbox.x1
    if not level or not 0 <= gap <= MAX_GAP:
        return False
    return labels_rows(left) and prints_figures_only(right) and shares_row_rules(left, right)


def labels_rows(table: FoundTable) -> bool:
    """The first column holds labels on most rows that print something there."""
    texts = [c.text.strip() for c in table.cells if c.column == 0 and c.text.strip()]
    labels = sum(1 for text in texts if not is_value_text(text) and not is_placeholder_text(text))
    figures = sum(1 for c in table.cells if is_value_text(c.text.strip()))
    return figures > 0 and labels * 2 > len(texts)


def prints_figures_only(table: FoundTable) -> bool:
    """Below its header rows the first column holds figures, dashes or a unit, never a label:
    a table continuing rows labelled elsewhere (a stack of label and value rows, 人口 over 800,
    is no such table)."""
    header = header_rows(table)
    texts = [c.text.strip() for c in table.cells if c.column == 0 and c.row >= header and c.text.strip()]
    return bool(texts) and all(is_value_text(t) or is_placeholder_text(t) or t in UNIT_WORDS for t in texts)


def row_rules(table: FoundTable) -> list[float]:
    """The heights of the table's row rules (its cells' tops and bottoms)."""
    return cluster_values((y for c in table.cells for y in (c.bbox.top, c.bbox.bottom)), EDGE_TOLERANCE)


def shares_row_rules(a: FoundTable, b: FoundTable) -> bool:
    rules_a, rules_b = row_rules(a), row_rules(b)
    fewer, more = sorted((rules_a, rules_b), key=len)
    shared = sum(1 for y in fewer if any(abs(y - z) <= EDGE_TOLERANCE for z in more))
    return len(fewer) >= 3 and shared >= SHARED_RULES * len(fewer)


def join_beside(left: FoundTable, right: FoundTable) -> FoundTable:
    """One table: rows cut at every rule of either table, the right one's columns after the
    left one's; a cell spans the rows its box covers."""
    rules = cluster_values([*row_rules(left), *row_rules(right)], EDGE_TOLERANCE)
    cells = []
    for offset, table in ((0, left), (left.n_columns, right)):
        for cell in table.cells:
            top, bottom = nearest_index(rules, cell.bbox.top), nearest_index(rules, cell.bbox.bottom)
            cells.append(replace(cell, row=top, row_span=max(1, bottom - top), column=cell.column + offset))
    box = BBox(left.bbox.x0, min(left.bbox.top, right.bbox.top), right.bbox.x1, max(left.bbox.bottom, right.bbox.bottom))
    edges = (*left.column_edges, *right.column_edges[1:]) if left.column_edges and right.column_edges else ()
    return left.with_cells(
        cells, n_rows=len(rules) - 1, n_columns=left.n_columns + right.n_columns, bbox=box, confidence=min(left.confidence, right.confidence), column_edges=edges
    )
