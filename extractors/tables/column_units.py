"""Units a column does not print, recovered from the table's arithmetic.

Budget tables print the unit once, in the heading of the amounts they are about
(``R4年度当初予算額（千円）``), and leave it off the columns derived from them: a 増減 column is
this year's amount minus last year's, and the 財源内訳 columns (国 / 県 / 地方債 / その他 / 一般財源)
add up to this year's amount. Those columns are in the same unit, and the printed numbers
show it: a column takes a unit only where its values are that arithmetic on most rows, never
because of its heading alone (a 伸び率 beside two 千円 columns stays a ratio).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import permutations

from extractors.normalize.amounts import parse_amount
from extractors.tables.grid import value_main

MIN_ROWS = 2  # rows the arithmetic must hold on
SHARE = 0.8  # of the rows where every column involved prints a number


def slot_number(text: str) -> Decimal | None:
    amount = parse_amount(value_main(text)) if text else None
    return amount.value if amount is not None and amount.unit is None else None


def column_numbers(body: Sequence[Sequence[str]], column: int) -> list[Decimal | None]:
    return [slot_number(row[column]) if column < len(row) else None for row in body]


def holds(pairs: Sequence[tuple[Decimal, Decimal]]) -> bool:
    """An arithmetic identity holds on enough rows: (printed, computed) pairs."""
    return len(pairs) >= MIN_ROWS and sum(1 for printed, computed in pairs if printed == computed) >= SHARE * len(pairs)


def difference_unit(numbers: dict[int, list[Decimal | None]], units: Sequence[str | None], column: int) -> str | None:
    """The unit of two columns whose difference this column prints (增減 = 本年度 − 前年度)."""
    for a, b in permutations([k for k in numbers if units[k]], 2):
        if units[a] != units[b]:
            continue
        pairs = [(v, x - y) for v, x, y in zip(numbers[column], numbers[a], numbers[b], strict=True) if v is not None and x is not None and y is not None]
        if holds(pairs):
            return units[a]
    return None


def parts_unit(numbers: dict[int, list[Decimal | None]], units: Sequence[str | None], group: Sequence[int]) -> str | None:
    """The unit of a column the group's columns add up to (財源内訳 = 本年度予算額); a blank part is 0."""
    rows = range(len(numbers[group[0]]))
    sums = [sum((numbers[c][r] or Decimal(0) for c in group), Decimal(0)) if any(numbers[c][r] is not None for c in group) else None for r in rows]
    for total in (k for k in numbers if units[k]):
        pairs = [(numbers[total][r], sums[r]) for r in rows if numbers[total][r] is not None and sums[r] is not None]
        if holds(pairs):
            return units[total]
    return None


def derived_column_units(
    slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int, column_paths: Sequence[tuple[str, ...]], units: Sequence[str | None]
) -> list[str | None]:
    """``units`` with the unitless number columns that are differences or parts of unit columns
    given those columns' unit. Parts are the columns under one spanning heading (財源内訳 › 国)."""
    body = slots[header_rows:]
    numbers = {c: column_numbers(body, c) for c in range(stub_columns, len(units))}
    numbers = {c: values for c, values in numbers.items() if any(v is not None for v in values)}
    out = list(units)
    if not any(units[c] for c in numbers):
        return out
    unitless = [c for c in numbers if not units[c]]
    groups: dict[str, list[int]] = {}
    for c in unitless:
        if len(column_paths[c]) > 1:
            groups.setdefault(column_paths[c][0], []).append(c)
    for group in groups.values():
        unit = parts_unit(numbers, units, group) if len(group) > 1 else None
        for c in group:
            out[c] = unit or out[c]
    for c in unitless:
        out[c] = out[c] or difference_unit(numbers, units, c)
    return out
