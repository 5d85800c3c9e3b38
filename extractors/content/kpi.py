"""KPI tables (指標 with 基準値 / 実績 / 目標値) -> ``indicators`` rows.

The recipe, one small function per step:

    table -> grid (header rows, body rows)          ``table_to_grid``
          -> column kinds from the body             ``grid_to_column_kinds``
          -> column roles from header words,        ``grid_to_layout``
             repaired where a header is shifted or missing
          -> logical rows (continuations merged,    ``layout_to_drafts``
             blank label = same as above)
          -> IndicatorRow + issues                  ``draft_to_indicator``

Nothing is tied to one document's layout: roles come from header words (基準値, 実績, 目標値,
事業名 …), from what the body holds (values, labels, commentary) and from the order baseline <
actual < target, never from fixed column numbers. Grid helpers live in ``tables.grid`` (shared
with ``timeseries``, which only sees the tables this extractor did not claim).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document, Line, TextBlock
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, row_provenance
from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount, split_value_note
from extractors.normalize.periods import find_periods, parse_period
from extractors.normalize.textnorm import circled_numbers_in, circled_to_int, join_lines, rejoin_broken_lines, strip_spacing
from extractors.tables.grid import (
    ColumnKind,
    Grid,
    GridRow,
    cell_to_text,
    context_to_unit,
    grid_to_column_kinds,
    is_placeholder_text,
    table_to_grid,
)
from schemas.quality import Code, Issue, Severity
from schemas.tables import IndicatorRow

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


# --- logical rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One indicator as read from one or more physical rows, before values are parsed."""

    indicator: str
    measure: str | None
    goal: str | None
    cells: tuple[tuple[Role, str, str | None], ...]  # (role, printed cell, period column cell)
    unit: str | None
    location: str
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # the rows it was read from

    @property
    def number(self) -> int | None:
        """The circled number the name is printed with (①…), which footnotes refer to."""
        return circled_to_int(self.indicator[0]) if self.indicator else None


ENUMERATOR_RE = re.compile(r"^(?:[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u2776-\u2793]|\(\d{1,2}\)|\d{1,2}[.)])")


def layout_to_drafts(layout: Layout) -> tuple[list[Draft], list[Issue]]:
    """Physical body rows -> indicators.

    A blank goal or measure cell means "same as above"; a row holding only goal or measure text
    is a group label for the rows below (two such rows in a row are one wrapped label). A row
    with a name but no values names the values of the next row when that row has none, starts
    an indicator without values when it is numbered (①), and otherwise continues the name above
    (a wrapped cell)."""
    indicator_col = layout.column_of(Role.INDICATOR)
    assert indicator_col is not None
    body = [row for row in layout.grid.body if any(row.cells)]
    fill: dict[Role, str | None] = {Role.GOAL: None, Role.MEASURE: None}
    drafts: list[Draft] = []
    issues: list[Issue] = []
    pending = ""
    pending_source = NO_PROVENANCE
    label_only_before = False
    for i, row in enumerate(body):
        name = row.cells[indicator_col]
        has_values = row_has_role_values(layout, row)
        fill = update_labels(fill, row_labels(layout, row), continue_previous=label_only_before)
        label_only_before = not name and not has_values
        if label_only_before:
            continue
        if not has_values:
            next_row = body[i + 1] if i + 1 < len(body) else None
            if next_row is not None and not next_row.cells[indicator_col] and row_has_role_values(layout, next_row):
                pending = join_lines(pending, name) if pending else name
                pending_source = pending_source.union(row.source)
            elif drafts and not ENUMERATOR_RE.match(name):
                drafts[-1] = replace(drafts[-1], indicator=join_lines(drafts[-1].indicator, name), source=drafts[-1].source.union(row.source))
            else:
                drafts.append(row_to_draft(layout, row, name, fill))
            continue
        name = join_lines(pending, name) if pending and name else (name or pending)
        source = pending_source.union(row.source) if pending else row.source
        pending, pending_source = "", NO_PROVENANCE
        if not name:
            message = "KPI row with values but no indicator name: skipped"
            issues.append(Issue(Code.MISSING_NAME, Severity.WARNING, message, "indicators", row.location(), table_id=row.source.table_id))
            continue
        drafts.append(replace(row_to_draft(layout, row, name, fill), source=source))
    return drafts, issues


def row_labels(layout: Layout, row: GridRow) -> dict[Role, str]:
    return {role: row.cells[c] for role in (Role.GOAL, Role.MEASURE) if (c := layout.column_of(role)) is not None}


def update_labels(fill: dict[Role, str | None], labels: dict[Role, str], *, continue_previous: bool) -> dict[Role, str | None]:
    """Forward-fill goal and measure; ``continue_previous`` joins a wrapped label's second line."""
    out = dict(fill)
    for role, text in labels.items():
        if text:
            previous = out.get(role)
            out[role] = join_lines(previous, text) if continue_previous and previous else text
    return out


def row_has_role_values(layout: Layout, row: GridRow) -> bool:
    return any(row.cells[c] for c, r in enumerate(layout.roles) if r in VALUE_ROLES)


def row_to_draft(layout: Layout, row: GridRow, name: str, fill: dict[Role, str | None]) -> Draft:
    cells = []
    for role in VALUE_ROLES:
        c = layout.column_of(role)
        if c is None:
            continue
        period_col = layout.period_columns.get(role)
        period_cell = row.cells[period_col] if period_col is not None else None
        cells.append((role, row.printed[c], period_cell or None))
    unit_col = layout.column_of(Role.UNIT)
    unit = (row.cells[unit_col] or None) if unit_col is not None else None
    return Draft(name, fill[Role.MEASURE], fill[Role.GOAL], tuple(cells), unit, row.location(), row.source)


# --- values ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One value cell read: exact value, unit, period and the cell as printed."""

    value: Decimal | None = None
    unit: str | None = None
    period: str | None = None
    text: str | None = None


def cell_to_reading(printed: str, column_period: str | None, unit: str | None = None) -> tuple[Reading, str | None]:
    """(reading, problem). A note's period (``1件 (R4実績)``) beats the header's (``基準値``);
    a placeholder (``調査なし``) keeps its text and the column period but has no value; a unit
    column's unit is applied to bare numbers (so 千円 scales them)."""
    if not printed:
        return Reading(), None
    main, note = split_value_note(printed)
    amount = parse_amount(main)
    if amount is not None and amount.unit is None and unit:
        amount = parse_amount(main + unit) or amount
    if amount is None:
        problem = None if is_placeholder_text(printed) else f"'{printed}' is not a value keikaku can read"
        return Reading(period=column_period, text=printed), problem
    note_period = parse_period(note) if note else None
    return Reading(amount.value, amount.unit, note_period or column_period, printed), None


# --- goals: the 基本目標 heading a table sits under ------------------------------------------------------

GOAL_HEADING_RE = re.compile(
    r"^[\s\-・■□●◆◇▶▷]*【?\s*(?P<label>基本目標|政策目標|施策目標)\s*[:：]?\s*"
    r"(?P<number>\d{1,2}|[IVX]{1,4}|[一二三四五六七八九十]{1,3}|[\u2460-\u2473])\s*】?\s*[:：.．]?\s*(?P<title>.*)$"
)


def goal_number(text: str) -> str:
    number = circled_to_int(text)
    return str(number) if number is not None else text


def heading_continuations(lines: Sequence[str], most: int = 3) -> list[str]:
    """Lines that may continue a heading: up to the first note (単位, ※, a bracketed line)."""
    out = []
    for line in lines[:most]:
        if "単位" in line or line.startswith(("(", "（", "※", "[")):
            break
        out.append(line)
    return out


def lines_to_goal(lines: Sequence[str]) -> str | None:
    """The last goal heading among ``lines`` as ``基本目標1 安定した雇用を…``; a heading broken
    over several lines is joined (``…とともに、`` + ``経済を…``), and ``【基本目標1】…`` reads the
    same as ``基本目標 1 …``."""
    texts = [cell_to_text(t) for t in lines]
    goal = None
    for i, text in enumerate(texts):
        match = GOAL_HEADING_RE.match(text)
        if match is None or match["title"].startswith("【"):
            continue
        title = rejoin_broken_lines("\n".join([match["title"], *heading_continuations(texts[i + 1 :])])).split("\n")[0]
        if not title and i + 1 < len(texts):
            title = texts[i + 1]
        if title:
            goal = f"{match['label']}{goal_number(match['number'])} {title}"
    return goal


def items_to_goals(items: Sequence[TextBlock | Table]) -> dict[int, str | None]:
    """Goal in force at every table (by its index): the last heading of the text before it (or,
    when the text blocks are not at hand, of the table's own context)."""
    current: str | None = None
    goals: dict[int, str | None] = {}
    for item in items:
        if isinstance(item, TextBlock):
            current = lines_to_goal([line.text for line in item.lines]) or current
        else:
            goals[item.index] = current or lines_to_goal(item.context)
    return goals


# --- footnotes: ``①課税状況調 (基準値: 2022年、目標値: 計画期間終了時点)`` below a table -----------

FOOTNOTE_RE = re.compile(r"^[\s\-・※*]*(?P<numbers>[\u2460-\u2473]+)")
FOOTNOTE_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.BASELINE, ("基準値", "基準年度", "基準年", "基準")),
    (Role.ACTUAL, ("実績値", "実績")),
    (Role.TARGET, ("目標値", "目標年度", "目標年", "目標")),
)


def lines_to_footnote_periods(lines: Sequence[str]) -> dict[int, dict[Role, str]]:
    """Periods that numbered notes give per indicator: ``①②… (基準値: 2022年度、…)`` ->
    {1: {baseline: FY2022}, 2: {…}}. A note without a period (計画期間終了時点) gives none."""
    found: dict[int, dict[Role, str]] = {}
    for line in lines:
        text = cell_to_text(line)
        match = FOOTNOTE_RE.match(text)
        if match is None:
            continue
        for role, words in FOOTNOTE_WORDS:
            stated = next((m for w in words if (m := re.search(rf"{w}\s*[:：]\s*(?P<what>[^、,;；)）]+)", text))), None)
            period = parse_period(stated["what"]) if stated else None
            if period is None:
                continue
            for number in circled_numbers_in(match["numbers"]):
                found.setdefault(number, {})[role] = period
    return found


# --- rows ---------------------------------------------------------------------------------------------------


def clean_indicator(name: str) -> str:
    """``②観光入込客数`` -> ``観光入込客数``; spaces of wrapped lines removed."""
    text = cell_to_text(name)
    while text and circled_to_int(text[0]) is not None:
        text = text[1:].lstrip()
    return strip_spacing(text)


@dataclass(frozen=True)
class TableFacts:
    """What the text around a KPI table says: its goal, its unit, its footnoted periods."""

    goal: str | None = None
    unit: str | None = None
    footnote_periods: Mapping[int, Mapping[Role, str]] = field(default_factory=dict)


def draft_to_indicator(draft: Draft, layout: Layout, facts: TableFacts, doc_id: str, row: int) -> tuple[IndicatorRow, list[Issue]]:
    """Values parsed; a period comes from the cell's note, else the row's period column, else
    a footnote on the indicator, else the column header."""
    readings: dict[Role, Reading] = {}
    issues = []
    footnoted = facts.footnote_periods.get(draft.number or 0, {})
    for role, printed, period_cell in draft.cells:
        column = layout.column_of(role)
        assert column is not None
        row_period = parse_period(period_cell) if period_cell else None
        period = row_period or footnoted.get(role) or layout.periods[column]
        reading, problem = cell_to_reading(printed, period, draft.unit or facts.unit)
        readings[role] = reading
        if problem:
            severity = Severity.WARNING if re.search(r"\d", printed) else Severity.INFO
            message = f"{role.value} of '{clean_indicator(draft.indicator)}': {problem}"
            issues.append(Issue(Code.UNPARSED_VALUE, severity, message, "indicators", draft.location, table_id=draft.source.table_id))
    base, actual, target = (readings.get(r, Reading()) for r in VALUE_ROLES)
    indicator = IndicatorRow(
        doc_id=doc_id,
        row=row,
        goal=draft.goal or facts.goal,
        measure=draft.measure,
        indicator=clean_indicator(draft.indicator),
        baseline_value=base.value, baseline_unit=base.unit, baseline_period=base.period, baseline_text=base.text,
        actual_value=actual.value, actual_unit=actual.unit, actual_period=actual.period, actual_text=actual.text,
        target_value=target.value, target_unit=target.unit, target_period=target.period, target_text=target.text,
        **draft.source.columns(),
    )  # fmt: skip
    return indicator, [i.about(indicator) for i in issues]


def layout_to_indicators(layout: Layout, facts: TableFacts, doc_id: str, first_row: int) -> tuple[list[IndicatorRow], list[Issue]]:
    drafts, issues = layout_to_drafts(layout)
    location = layout.grid.header[0].location()
    table_id = layout.grid.header[0].source.table_id
    notes = [Issue(Code.CELL_REPAIRED, Severity.INFO, f"KPI table: {note}", "indicators", location, table_id=table_id) for note in layout.notes]
    rows: list[IndicatorRow] = []
    for draft in drafts:
        indicator, problems = draft_to_indicator(draft, layout, facts, doc_id, first_row + len(rows))
        issues.extend(problems)
        if indicator.indicator:
            rows.append(indicator)
    return rows, notes + issues


# --- targets stated in a line: ``高校の入学者数40人（2014年度）→年40人（2019年度）`` ------------------------

_STATED_VALUE = r"(?:[年月週日]|約|毎年|\d{1,2}\s*(?:年間|か年|ヶ年)\s*(?:で|の合計|計)?)?[▲△\-]?\s*\d[\d,.]*[^\s()→⇒]{0,6}"
STATED_TARGET_RE = re.compile(
    rf"^[\s◇◆■□●○・◎]*(?P<name>[^\d０-９\s→⇒（(]{{2,40}}?)\s*(?P<base>{_STATED_VALUE})\s*[（(](?P<base_period>[^（()）]{{2,20}})[)）]"
    rf"\s*(?:→|⇒|➡)\s*(?P<target>{_STATED_VALUE})\s*[（(](?P<target_period>[^（()）]{{2,20}})[)）]\s*(?:[※*].*)?$"
)


def line_to_stated_target(line: str) -> tuple[str, Reading, Reading] | None:
    """(indicator, baseline, target) of a line stating a target as ``name value (period) → value
    (period)`` (the 数値目標 of a 総合戦略 under each goal); None for any other line."""
    text = cell_to_text(line)
    match = STATED_TARGET_RE.match(text)
    if match is None:
        return None
    readings = match_to_readings(match)
    if readings is None or readings[0].value is None:
        return None
    return strip_spacing(match["name"].strip()), *readings


def match_to_readings(match: re.Match[str]) -> tuple[Reading, Reading] | None:
    """The baseline and target a stated-target match names, each with its printed period; a
    target must be a value (a baseline may be printed as －)."""
    readings = []
    for value, period_text in ((match["base"], match["base_period"]), (match["target"], match["target_period"])):
        period = parse_period(period_text)
        reading, problem = cell_to_reading(value.strip(), period)
        if problem or period is None:
            return None
        readings.append(reading)
    return (readings[0], readings[1]) if readings[1].value is not None else None


# The same as a block of lines (a 広報 or report): the indicator named on its own line, then its
# values, then the value reached:
#   ◆数値指標：「高校入学者数」
#   …現状値（2014）40人／目標値（2019）40人
#   →【最終値40人】
NAMED_INDICATOR_RE = re.compile(r"(?:数値指標|数値目標|重要業績評価指標|KPI|指標)\s*[：:]?\s*[「『](?P<name>[^」』]{2,40})[」』]")
STATED_PAIR_RE = re.compile(
    rf"(?:現状値|基準値|策定時)\s*[（(](?P<base_period>[^（()）]{{2,20}})[)）]\s*[：:]?\s*(?P<base>{_STATED_VALUE}?|[－―ー\-]|なし)\s*[／/、,・]?\s*"
    rf"(?:目標値|目標)\s*[（(](?P<target_period>[^（()）]{{2,20}})[)）]\s*[：:]?\s*(?P<target>{_STATED_VALUE})"
)
FINAL_VALUE_RE = re.compile(rf"【\s*(?:最終値|実績値?)\s*[：:]?\s*(?P<actual>{_STATED_VALUE}?)\s*】")


def line_to_stated_pair(line: str) -> tuple[Reading, Reading] | None:
    """(baseline, target) of a line ``現状値（2014）40人／目標値（2019）40人``."""
    match = STATED_PAIR_RE.search(cell_to_text(line))
    if match is None:
        return None
    return match_to_readings(match)


def line_to_final_value(line: str) -> Reading | None:
    """The value reached, ``【最終値40人】`` (no period printed)."""
    match = FINAL_VALUE_RE.search(cell_to_text(line))
    if match is None:
        return None
    reading, problem = cell_to_reading(match["actual"].strip(), None)
    return replace(reading, text=match[0]) if problem is None and reading.value is not None else None


def items_to_stated_targets(doc_id: str, items: Sequence[TextBlock | Table], first_row: int) -> list[IndicatorRow]:
    """Targets stated in the text (not in a table), with the goal heading in force above them:
    one line each, or a block whose values follow the line naming the indicator."""
    rows: list[IndicatorRow] = []
    goal: str | None = None
    named: str | None = None  # the indicator named last, until its values are read
    reaching: int | None = None  # the row a 最終値 below still belongs to (until another indicator is named)
    named_on: Line | None = None  # the line that named it
    for line in (line for item in items if isinstance(item, TextBlock) for line in item.lines):
        goal = lines_to_goal([line.text]) or goal
        found = line_to_stated_target(line.text)
        if found is not None:
            name, base, target = found
            rows.append(stated_row(doc_id, first_row + len(rows), goal, name, base, target, lines_to_provenance([line])))
            reaching = None
            continue
        naming = NAMED_INDICATOR_RE.search(cell_to_text(line.text))
        if naming:
            named, reaching, named_on = strip_spacing(naming["name"]), None, line
        pair = line_to_stated_pair(line.text)
        if pair is not None and named:
            source = lines_to_provenance([named_on, line] if named_on is not None else [line])
            rows.append(stated_row(doc_id, first_row + len(rows), goal, named, *pair, source))
            named, reaching = None, len(rows) - 1
        final = line_to_final_value(line.text)
        if final is not None and reaching is not None:
            row = rows[reaching]
            source = row_provenance(row).union(lines_to_provenance([line]))
            rows[reaching] = replace(row, actual_value=final.value, actual_unit=final.unit, actual_text=final.text, **source.columns())
            reaching = None
    return rows


def stated_row(doc_id: str, row: int, goal: str | None, name: str, base: Reading, target: Reading, source: Provenance) -> IndicatorRow:
    return IndicatorRow(
        doc_id=doc_id, row=row, goal=goal, indicator=name,
        baseline_value=base.value, baseline_unit=base.unit, baseline_period=base.period, baseline_text=base.text,
        target_value=target.value, target_unit=target.unit, target_period=target.period, target_text=target.text,
        **source.columns(),
    )  # fmt: skip


class KpiExtractor(Extractor):
    """KPI tables -> ``indicators``: tables whose header names two of 基準値 / 実績 / 目標値
    (or one and the word KPI / 指標) over columns of values, with a column of indicator names;
    and targets stated in a line of text as ``name value (period) → value (period)``."""

    name = "kpi"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        goals = items_to_goals(document.items)
        rows: list[IndicatorRow] = []
        issues: list[Issue] = []
        claimed: list[int] = []
        for table in tables:
            layout = table_to_layout(table)
            if layout is None:
                continue
            facts = TableFacts(
                goal=goals.get(table.index),
                unit=context_to_unit(table.context),
                footnote_periods=lines_to_footnote_periods(table.following),
            )
            found, problems = layout_to_indicators(layout, facts, document.doc_id, len(rows))
            rows.extend(found)
            issues.extend(problems)
            claimed.append(table.index)
        rows += items_to_stated_targets(document.doc_id, document.items, len(rows))
        return Extraction(indicators=tuple(rows), issues=tuple(issues), claimed=tuple(claimed))
