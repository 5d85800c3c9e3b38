"""Units printed in a column of their own, beside the figures, once per block.

Budget articles and other label | figure | unit lists (第3条 収益的収入及び支出: ``第1款 水道事業収益
723,805 千円`` over ``第1項 営業収益 630,655``) print the unit right of the figure, in its own
column, and only on the first line of a block: the lines below, up to the next line without a
figure, are in the same unit. A unit column holds nothing but unit words.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.tables.captions import is_bare_unit
from extractors.tables.column_units import slot_number


def is_figure(text: str) -> bool:
    """A number printed without a unit of its own (``m3`` is none: it reads as 3 of m)."""
    return slot_number(text) is not None


def unit_columns(body: Sequence[Sequence[str]], stub_columns: int) -> list[int]:
    """Columns whose filled cells are all units, each with a figure left of it on its row (a
    cell spanning into the column from the left, a sentence across the list, does not count)."""
    width = max((len(row) for row in body), default=0)
    out = []
    for c in range(stub_columns + 1, width):
        filled = [(row, row[c]) for row in body if c < len(row) and row[c] and row[c] != row[c - 1]]
        if filled and all(is_bare_unit(text) and any(is_figure(x) for x in row[stub_columns:c]) for row, text in filled):
            out.append(c)
    return out


def figure_column(row: Sequence[str], start: int, unit_column: int) -> int | None:
    """The figure a unit cell speaks of: the nearest figure left of it, not past another unit."""
    for c in range(unit_column - 1, start - 1, -1):
        if is_bare_unit(row[c]):
            return None
        if is_figure(row[c]):
            return c
    return None


def slots_to_cell_units(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> dict[tuple[int, int], str]:
    """(row, column) of a figure -> the unit its unit column prints on that row, or on the first
    row of its block (rows with a figure before that column, one after another)."""
    body = slots[header_rows:]
    out: dict[tuple[int, int], str] = {}
    for u in unit_columns(body, stub_columns):
        unit = None
        for offset, row in enumerate(body):
            figure = figure_column(row, stub_columns, u) if u < len(row) else None
            if figure is None:
                unit = None
                continue
            unit = row[u].replace(" ", "") or unit
            if unit:
                out[(header_rows + offset, figure)] = unit
    return out
