"""Printed 計 / 小計 / 合計 rows checked against their members.

A total row adds up the rows of its group above it: the rows since the previous total of the
same group, or every row of the group (a 合計 over 小計 rows: the subtotals themselves); a total
column likewise the columns of its group left of it. A line is checked only where the total is
a number and its members are numbers, and ratio columns (構成比, 伸率 …) are left alone: they
do not add up. A mismatch is reported only when another line of the same total does add up:
then the members are known and the printed total is wrong (or a member was misread), never a
guess.

Rounding: a total of decimals (percentages, tonnes) may differ from the sum of its rounded
members by half a unit of the last printed digit per member; integers add up exactly (a 千円
total is printed from the rounded members in the tables seen so far).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount
from extractors.tables.captions import RATIO_HEADER_RE, RATIO_UNITS
from extractors.tables.grid import value_main
from extractors.tables.structure import Structure
from schemas.quality import Code, Issue, Severity

# A figure printed after its label in one cell (``均等割 68,310`` in a 見積書's amount column).
LABELLED_FIGURE_RE = re.compile(r"^[^\d\s△▲-]{1,12}\s+(?=[△▲-]?\s*[\d,.]+$)")


def cell_number(text: str) -> Decimal | None:
    amount = parse_amount(value_main(LABELLED_FIGURE_RE.sub("", text))) if text else None
    return amount.value if amount is not None and amount.unit in (None, "円", "人", "千円", "件", "世帯", "t", "台") else None


def ulp(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)


def member_groups(paths: Sequence[tuple[str, ...]], totals: frozenset[int], total: int, first: int) -> list[list[int]]:
    """Candidate members of a total (a row or a column): the lines at its own level of an
    outline since the previous total, or all of them (一般会計合計 adds up 1 普通債, 2 災害復旧債 …
    not their (1) 総務 …); for a total that sits above the level of its members (計 under group
    labels printed once), the lines of its group since the previous total, or all non-total
    lines of its group; the group's subtotals; and the subtotals with the lines after the last
    of them (合計 = 小計 of 人件費 … 公債費, then 物件費 … 投資的経費)."""
    prefix = paths[total][:-1]
    same_group = [k for k in range(first, total) if paths[k] and paths[k][: len(prefix)] == prefix]
    previous = [k for k in same_group if k in totals]
    since = [k for k in same_group if k > max(previous, default=-1) and k not in totals]
    members = [k for k in same_group if k not in totals]
    level = len(paths[total])
    deeper = any(len(paths[k]) > level for k in members)
    since_level = [k for k in since if len(paths[k]) == level] if deeper else []
    members_level = [k for k in members if len(paths[k]) == level] if deeper else []
    rest = [*previous, *(since_level or since)] if previous and since else []
    return [g for g in (since_level, members_level, since, members, previous, rest) if g]


def ratio_column(structure: Structure, column: int) -> bool:
    unit = structure.column_units[column]
    return unit in RATIO_UNITS or any(RATIO_HEADER_RE.search(p) for p in structure.column_paths[column])


def values_by_slot(structure: Structure) -> dict[tuple[int, int], Decimal]:
    out = {}
    for d in structure.data:
        number = cell_number(d.text)
        if number is not None:
            out[(d.row, d.column)] = number
    return out


def adds_up(total: Decimal, members: Sequence[Decimal]) -> bool:
    """Exact for counts; decimals printed rounded may be off by half a last digit per member."""
    if all(ulp(v) == 1 for v in (total, *members)):
        return sum(members, Decimal(0)) == total
    tolerance = sum((ulp(m) for m in members), ulp(total)) / 2
    return abs(sum(members, Decimal(0)) - total) <= tolerance


def check_total(values: dict[int, Decimal], total: Decimal | None, groups: list[list[int]]) -> bool | None:
    """True when one of the candidate member sets that has its numbers (half at least) adds up,
    False when none of those does, None when none can be checked."""
    if total is None:
        return None
    checked = [adds_up(total, members) for group in groups if len(members := [values[k] for k in group if k in values]) >= max(1, len(group) // 2)]
    return any(checked) if checked else None


def aggregate_issues(structure: Structure, table: Table, output: str = "observations") -> list[Issue]:
    """A quality row for every printed total that does not add up, where the other totals of its
    line do (so its members are known)."""
    values = values_by_slot(structure)
    columns = sorted({c for _, c in values if not ratio_column(structure, c)})
    rows = sorted({r for r, _ in values})
    issues: list[Issue] = []
    for total_row in sorted(structure.aggregate_rows):
        groups = member_groups(structure.row_paths, structure.aggregate_rows, total_row, structure.header_rows)
        checked = {c: check_total({r: v for (r, k), v in values.items() if k == c}, values.get((total_row, c)), groups) for c in columns}
        issues += mismatches(checked, structure, table, output, lambda c, r=total_row: (r, c))
    for total_column in sorted(structure.aggregate_columns - {c for c in structure.aggregate_columns if ratio_column(structure, c)}):
        groups = [[c for c in g if not ratio_column(structure, c)] for g in member_groups(structure.column_paths, structure.aggregate_columns, total_column, structure.stub_columns)]
        checked = {r: check_total({c: v for (k, c), v in values.items() if k == r}, values.get((r, total_column)), groups) for r in rows}
        issues += mismatches(checked, structure, table, output, lambda r, c=total_column: (r, c))
    return issues


def mismatches(checked: dict[int, bool | None], structure: Structure, table: Table, output: str, slot) -> list[Issue]:  # noqa: ANN001
    if not any(ok for ok in checked.values()):
        return []
    issues = []
    for line, ok in checked.items():
        if ok is False:
            row, column = slot(line)
            label = " / ".join(structure.row_paths[row]) or f"row {row + 1}"
            heading = " / ".join(structure.column_paths[column]) or f"column {column + 1}"
            message = f"the printed total at '{label}' × '{heading}' does not add up to its members"
            key = (("table_id", table.index), ("row", row), ("column", column))  # the total's cell, as in cells
            issues.append(Issue(Code.AGGREGATE_MISMATCH, Severity.WARNING, message, output, table.row_location(row), key, table.index))
    return issues
