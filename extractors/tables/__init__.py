"""Table strategies for PDF pages, one module each behind ``base.TableStrategy``.

``STRATEGIES`` maps a name to a strategy; ``find_page_tables`` runs them all on a page and keeps,
for every region of the page, the table of the most confident strategy (ruled tables score 1.0
on a clean grid; alignment alone is capped below that); two ruled tables printed beside each
other on the same rows are joined (``beside``). ``may_hold_tables`` is the cheap test
(no ruling, no aligned columns) that sends a page of running text to the reader's text route.
``stitch`` joins a table continued on the next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extractors.tables.base import FoundTable, TableCell, TableStrategy, boxes_overlap
from extractors.tables.beside import joined_beside
from extractors.tables.borderless import BorderlessStrategy
from extractors.tables.grid import is_mark, is_value_text
from extractors.tables.ruled import RuledStrategy
from extractors.tables.stitch import stitch, tables_continue

STRATEGIES: Mapping[str, TableStrategy] = {"ruled": RuledStrategy(), "borderless": BorderlessStrategy()}
MIN_CONFIDENCE = 0.5
MIN_FILLED_SHARE = 0.15  # a grid this empty is a chart frame or a drawing, not a table
MIN_FILLED_ROWS = 2  # rows with two filled cells: a table has at least two
PROSE_CHARS = 15  # a cell this long without a value is a line of running text
MAX_VALUE_SHARE = 0.05  # columns of prose hold (almost) no values


def find_page_tables(page: Any, strategies: Mapping[str, TableStrategy] = STRATEGIES) -> list[FoundTable]:
    """Tables of one page, best strategy per region, top to bottom."""
    candidates = [t for s in strategies.values() for t in s.find_tables(page) if t.confidence >= MIN_CONFIDENCE and found_is_table(t)]
    return joined_beside(choose_tables(candidates))


def found_is_table(table: FoundTable) -> bool:
    """Enough of the grid is filled, on enough rows: a chart's frame with its axis labels, or a
    box around a paragraph, is not a table (its text stays text)."""
    filled = [c for c in table.cells if c.text.strip()]
    slots = table.n_rows * table.n_columns
    rows = sum(1 for r in range(table.n_rows) if sum(1 for c in filled if c.row == r) >= 2)
    covered = sum(c.row_span * c.col_span for c in filled)
    enough_rows = rows >= MIN_FILLED_ROWS or (table.n_rows == 1 and table.strategy == "ruled" and rows == 1)  # one ruled row of values
    return enough_rows and covered >= MIN_FILLED_SHARE * slots and not (table.strategy == "borderless" and is_prose_in_columns(filled))


def is_prose_in_columns(filled: list[TableCell]) -> bool:
    """Aligned columns of running text with no value in them: a page set in two columns (a
    広報's boxes beside its paragraphs), which alignment alone takes for a table."""
    texts = [c.text.strip() for c in filled]
    valued = [is_value_text(text) for text in texts]
    values = sum(1 for text, value in zip(texts, valued, strict=True) if value or is_mark(text))
    prose = sum(1 for text, value in zip(texts, valued, strict=True) if len(text) >= PROSE_CHARS and not value)
    return values <= MAX_VALUE_SHARE * len(filled) and prose * 2 >= len(filled)


def may_hold_tables(page: Any, strategies: Mapping[str, TableStrategy] = STRATEGIES) -> bool:
    """False when no strategy can find a table on the page (no ruling, no aligned columns):
    the reader then takes the text route, skipping the finders."""
    return any(s.may_find(page) for s in strategies.values())


def choose_tables(candidates: list[FoundTable]) -> list[FoundTable]:
    """Most confident first; a table overlapping one already chosen is dropped."""
    chosen: list[FoundTable] = []
    for table in sorted(candidates, key=lambda t: (-t.confidence, t.bbox.top)):
        if not any(boxes_overlap(table.bbox, other.bbox) for other in chosen):
            chosen.append(table)
    return sorted(chosen, key=lambda t: (t.bbox.top, t.bbox.x0))


__all__ = ["STRATEGIES", "FoundTable", "TableCell", "TableStrategy", "choose_tables", "find_page_tables", "may_hold_tables", "stitch", "tables_continue"]
