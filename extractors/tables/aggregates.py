"""Printed 計 / 小計 / 合計 rows checked against their members.

A total row adds up the rows of its group above it: the rows since the previous total of the
same group, or every row of the group (a 合計 over 小計 rows: the subtotals themselves). A
column is checked only where the total is a number and its members are numbers, and ratio
columns (構成比, 伸率 …) are left alone: they do not add up. A mismatch is reported only when
another column of the same total row does add up with the same members: then the members are
known and the column's total is wrong (or a member was misread), never a guess.

Rounding: a total printed in 千円 may differ from the sum of its rounded members by half a
unit of the last printed digit per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount
from extractors.tables.grid import value_main
from extractors.tables.structure import RATIO_HEADER_RE, RATIO_UNITS, Structure
from schemas.quality import Code, Issue, Severity


def cell_number(text: str) -> Decimal | None:
    amount = parse_amount(value_main(text)) if text else None
    return amount.value if amount is not None and amount.unit in (None, "円", "人", "千円", "件", "世帯", "t", "台") else None


def ulp(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)


def member_groups(structure: Structure, total_row: int) -> list[list[int]]:
    """Candidate member rows of a total row: the rows of its group since the previous total,
    all non-total rows of its group, and the group's subtotals."""
    body = range(structure.header_rows, total_row)
    prefix = structure.row_paths[total_row][:-1]
    same_group = [r for r in body if structure.row_paths[r][: len(prefix)] == prefix and structure.row_paths[r]]
    totals = [r for r in same_group if r in structure.aggregate_rows]
    since = [r for r in same_group if r > max(totals, default=-1) and r not in structure.aggregate_rows]
    members = [r for r in same_group if r not in structure.aggregate_rows]
    return [g for g in (since, members, totals) if g]


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
    tolerance = sum((ulp(m) for m in members), ulp(total)) / 2
    return abs(sum(members, Decimal(0)) - total) <= tolerance


def aggregate_issues(structure: Structure, table: Table) -> list[Issue]:
    values = values_by_slot(structure)
    columns = sorted({c for _, c in values if not ratio_column(structure, c)})
    issues: list[Issue] = []
    for total_row in sorted(structure.aggregate_rows):
        for group in member_groups(structure, total_row):
            checked = {}
            for c in columns:
                members = [values[(r, c)] for r in group if (r, c) in values]
                if (total_row, c) in values and len(members) >= max(1, len(group) // 2):
                    checked[c] = adds_up(values[(total_row, c)], members)
            if checked and any(checked.values()):
                for c, ok in checked.items():
                    if not ok:
                        label = " / ".join(structure.row_paths[total_row])
                        heading = " / ".join(structure.column_paths[c]) or f"column {c + 1}"
                        members = sum((values[(r, c)] for r in group if (r, c) in values), Decimal(0))
                        message = f"printed {label} of '{heading}' is {values[(total_row, c)]} but its rows add up to {members}"
                        issues.append(Issue(Code.AGGREGATE_MISMATCH, Severity.WARNING, message, "observations", table.row_location(total_row)))
                break
    return issues
