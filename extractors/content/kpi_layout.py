"""The layout of a KPI table: the role of every column (goal, measure, indicator, baseline,
actual, target, unit, comment) from its header words and what its body holds, repaired where a
header is shifted or missing, and the period a value column's header prints (``table_to_layout``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from extractors.model.table import Table
from extractors.normalize.periods import find_periods, parse_period
from extractors.normalize.textnorm import circled_to_int
from extractors.tables.grid import (
    ColumnKind,
    Grid,
    grid_to_column_kinds,
    table_to_grid,
)

# --- column roles, from header words ------------------------------------------------------------------


class Role(StrEnum):
    GOAL = "goal"
    MEASURE = "measure"
    INDICATOR = "indicator"
    UNIT = "unit"
    BASELINE = "baseline"
    ACTUAL = "actual"
    TARGET = "target"
    OTHER = "other"  # a column keikaku reads past (commentary, 達成率, 前年比 …)


VALUE_ROLES = (Role.BASELINE, Role.ACTUAL, Role.TARGET)  # also their printed order
LABEL_ROLES = (Role.GOAL, Role.MEASURE, Role.INDICATOR)

# Checked in this order; the first role with a word in the header wins.
LABEL_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.GOAL, ("基本目標", "政策目標", "施策目標", "基本方針")),
    (Role.MEASURE, ("事業名", "事業", "施策", "取組名", "分野", "政策")),
    (Role.INDICATOR, ("指標", "項目", "KPI", "名称")),
)
VALUE_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.GOAL, ("基本目標", "政策目標", "施策目標")),  # before TARGET: they contain 目標
    (Role.BASELINE, ("基準値", "基準", "現状値", "現況値", "策定時", "当初値", "初期値")),
    (Role.ACTUAL, ("実績", "直近値", "現在値", "最新値", "達成値")),
    (Role.TARGET, ("目標値", "目標", "目指す")),
)
UNIT_WORDS = ("単位",)
# Header words of commentary: above a value column they were shifted off their own column.
COMMENT_WORDS = ("取組", "取り組", "方向性", "備考", "考え方", "説明", "課題", "所見", "理由", "コメント", "内容", "状況")
KPI_WORDS = ("KPI", "指標")


def header_to_role(header: str, kind: ColumnKind) -> Role | None:
    """The role a header names for a column of this kind; None when it names none."""
    if not header:
        return None
    if any(w in header for w in UNIT_WORDS) and len(header) <= 6:
        return Role.UNIT
    if kind in (ColumnKind.TEXT, ColumnKind.COMMENT, ColumnKind.EMPTY):
        return next((role for role, words in LABEL_WORDS if any(w in header for w in words)), None)
    if kind in (ColumnKind.VALUE, ColumnKind.PERIOD):
        role = next((role for role, words in VALUE_WORDS if any(w in header for w in words)), None)
        if role is not None:
            return role
        return None if header_is_period_only(header) else Role.OTHER
    return Role.OTHER


def header_is_period_only(header: str) -> bool:
    """``R9``, ``令和9年度``, ``(R6)``: a period and nothing a role could be read from."""
    found = find_periods(header)
    rest = header
    for span, _ in found:
        rest = rest.replace(span, "", 1)
    return bool(found) and not re.sub(r"[\s()（）\[\]年度時点末]", "", rest)


def header_period(header: str) -> str | None:
    """The period a header cell prints (``R6実績`` -> FY2024), None for ``基準値``."""
    return parse_period(header) if header else None


# --- layout: the role of every column, and the period its header prints -----------------------------


@dataclass(frozen=True)
class Layout:
    """Which column holds what. ``roles[c]`` is None for a column keikaku ignores; ``periods[c]``
    is the period a value column's header prints; ``period_columns`` maps a value role to a
    column that prints its period row by row (基準年: H30)."""

    grid: Grid
    kinds: tuple[ColumnKind, ...]
    headers: tuple[str, ...]
    roles: tuple[Role | None, ...]
    periods: tuple[str | None, ...]
    period_columns: Mapping[Role, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # header repairs, reported as info issues

    def column_of(self, role: Role) -> int | None:
        """The column of a role; for repeated value roles the rightmost (the latest)."""
        columns = [c for c, r in enumerate(self.roles) if r is role]
        return columns[-1] if columns else None


def grid_to_layout(grid: Grid) -> Layout | None:
    """Roles of every column, or None when the table is not a KPI table."""
    if not grid.header or not grid.body:
        return None
    kinds = grid_to_column_kinds(grid)
    headers, notes = shift_misplaced_headers(grid, kinds)
    roles = [header_to_role(h, k) for h, k in zip(headers, kinds, strict=True)]
    if not table_names_kpi_roles(headers, roles, kinds):
        return None
    roles, inferred = infer_missing_value_roles(roles, kinds, headers)
    roles, period_columns = separate_period_columns(roles, kinds)
    roles = assign_label_roles(grid, kinds, roles)
    if Role.INDICATOR not in roles:
        return None
    periods = tuple(header_period(h) if r in VALUE_ROLES else None for h, r in zip(headers, roles, strict=True))
    return Layout(grid, kinds, tuple(headers), tuple(roles), periods, period_columns, tuple(notes + inferred))


def separate_period_columns(roles: Sequence[Role | None], kinds: Sequence[ColumnKind]) -> tuple[list[Role | None], dict[Role, int]]:
    """A column of periods (基準年 | H30) prints the period of the values its header names, or
    else of the value column right of it."""
    out = list(roles)
    found: dict[Role, int] = {}
    for c, kind in enumerate(kinds):
        if kind is not ColumnKind.PERIOD:
            continue
        role = out[c]
        if role not in VALUE_ROLES:
            right = next((k for k in range(c + 1, len(kinds)) if kinds[k] is ColumnKind.VALUE), None)
            role = out[right] if right is not None else None
        if role in VALUE_ROLES and role is not None:
            found[role] = c
        out[c] = None
    return out, found


def grid_headers(grid: Grid) -> list[str]:
    return [grid.header_text(c) for c in range(grid.width)]


def shift_misplaced_headers(grid: Grid, kinds: Sequence[ColumnKind]) -> tuple[list[str], list[str]]:
    """Move a commentary header that sits above a value column to the neighbouring commentary
    column that has no header (merged header cells often print one column off)."""
    headers = grid_headers(grid)
    notes = []
    for c, header in enumerate(headers):
        if kinds[c] is not ColumnKind.VALUE or not any(w in header for w in COMMENT_WORDS):
            continue
        if any(w in header for _, words in VALUE_WORDS for w in words):
            continue
        for n in (c + 1, c - 1):
            if 0 <= n < grid.width and not headers[n] and kinds[n] in (ColumnKind.COMMENT, ColumnKind.TEXT):
                headers[n], headers[c] = header, ""
                notes.append(f"header '{header}' printed above column {c + 1} belongs to column {n + 1}")
                break
    return headers, notes


def table_names_kpi_roles(headers: Sequence[str], roles: Sequence[Role | None], kinds: Sequence[ColumnKind]) -> bool:
    """A KPI table names two of 基準値 / 実績 / 目標値 over value columns, or one of them and
    the words KPI or 指標; a table whose header only prints periods is a time series."""
    named = {r for r, k in zip(roles, kinds, strict=True) if r in VALUE_ROLES and k is ColumnKind.VALUE}
    says_kpi = any(w in h for h in headers for w in KPI_WORDS)
    return len(named) >= 2 or (len(named) == 1 and says_kpi)


def infer_missing_value_roles(
    roles: Sequence[Role | None], kinds: Sequence[ColumnKind], headers: Sequence[str]
) -> tuple[list[Role | None], list[str]]:
    """Give a value column without a role word the one missing role its position allows.

    Between the last column with a known role and the next one, only roles in between in the
    order baseline < actual < target fit; a gap gets roles only when it has exactly as many
    unnamed value columns as missing roles (a column of values between 実績 and the commentary
    with no header is the target)."""
    out = list(roles)
    notes = []
    order = {role: i for i, role in enumerate(VALUE_ROLES)}
    value_columns = [c for c, k in enumerate(kinds) if k is ColumnKind.VALUE and out[c] in (*VALUE_ROLES, None)]
    known = [(c, out[c]) for c in value_columns if out[c] is not None]
    present = {r for _, r in known}
    bounds = [(-1, -1)] + [(c, order[r]) for c, r in known if r is not None] + [(len(out), len(VALUE_ROLES))]
    for (left_col, left_rank), (right_col, right_rank) in zip(bounds, bounds[1:], strict=False):
        gap = [c for c in value_columns if left_col < c < right_col and out[c] is None]
        missing = [r for r in VALUE_ROLES[left_rank + 1 : right_rank] if r not in present]
        if gap and len(gap) == len(missing):
            for c, role in zip(gap, missing, strict=True):
                out[c] = role
                what = f"header '{headers[c]}'" if headers[c] else "no header"
                notes.append(f"column {c + 1} ({what}) read as {role.value} from its position")
    return out, notes


def assign_label_roles(grid: Grid, kinds: Sequence[ColumnKind], roles: Sequence[Role | None]) -> list[Role | None]:
    """Label columns are the text columns left of the first value column (text right of the
    values is commentary, whatever its header says). The indicator is the
    one whose header names it only if another names a measure; otherwise the column whose cells
    are numbered ①②…, else the rightmost (names sit next to their values). The measure is the
    label column just left of the indicator; a column headed 基本目標 is the goal."""
    out = list(roles)
    first_value = next((c for c, k in enumerate(kinds) if k is ColumnKind.VALUE), grid.width)
    text_kinds = (ColumnKind.TEXT, ColumnKind.COMMENT)  # long names are still names left of the values
    labels = [c for c in range(first_value) if kinds[c] in text_kinds and out[c] is not Role.UNIT]
    for c in range(grid.width):
        if c not in labels and out[c] in LABEL_ROLES:
            out[c] = Role.OTHER if kinds[c] is not ColumnKind.EMPTY else None
    if not labels:
        return out
    named = {c: out[c] for c in labels}
    indicator = choose_indicator_column(grid, labels, named)
    for c in labels:
        out[c] = Role.GOAL if named[c] is Role.GOAL and c != indicator else None
    out[indicator] = Role.INDICATOR
    left = [c for c in labels if c < indicator and out[c] is None]
    measure_named = [c for c in left if named[c] is Role.MEASURE]
    measure = measure_named[-1] if measure_named else (left[-1] if left else None)
    if measure is not None:
        out[measure] = Role.MEASURE
    return out


def choose_indicator_column(grid: Grid, labels: Sequence[int], named: dict[int, Role | None]) -> int:
    by_word = [c for c in labels if named[c] is Role.INDICATOR]
    if by_word and any(named[c] in (Role.MEASURE, Role.GOAL) for c in labels):
        return by_word[-1]
    numbered = [c for c in labels if numbered_share(grid.body_column(c)) >= 0.5]
    if len(numbered) == 1:
        return numbered[0]
    return labels[-1]


def numbered_share(cells: Sequence[str]) -> float:
    filled = [c for c in cells if c]
    return sum(1 for c in filled if circled_to_int(c[0]) is not None) / len(filled) if filled else 0.0


def table_to_layout(table: Table) -> Layout | None:
    return grid_to_layout(table_to_grid(table))
