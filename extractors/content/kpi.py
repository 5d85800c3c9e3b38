"""KPI tables (指標 with 基準値 / 実績 / 目標値) -> ``indicators`` rows.

The recipe, one small function per step:

    table -> grid (header rows, body rows)          ``table_to_grid``
          -> column kinds from the body             ``grid_to_column_kinds``
          -> column roles from header words,        ``grid_to_layout``
             repaired where a header is shifted or missing
          -> logical rows (continuations merged,    ``layout_to_drafts``
             blank label = same as above)
          -> IndicatorRow + issues                  ``draft_to_indicator``

The column roles are read in ``kpi_layout``; values, goal headings and targets stated in a line
of text (not a table) in ``kpi_text``.

Nothing is tied to one document's layout: roles come from header words (基準値, 実績, 目標値,
事業名 …), from what the body holds (values, labels, commentary) and from the order baseline <
actual < target, never from fixed column numbers. Grid helpers live in ``tables.grid`` (shared
with ``timeseries``, which only sees the tables this extractor did not claim).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.kpi_layout import VALUE_ROLES, Layout, Role, table_to_layout
from extractors.content.kpi_text import Reading, cell_to_reading, items_to_goals, items_to_stated_targets
from extractors.model.document import Document
from extractors.model.provenance import NO_PROVENANCE, Provenance
from extractors.model.table import Table
from extractors.normalize.periods import parse_period
from extractors.normalize.textnorm import circled_numbers_in, circled_to_int, join_lines, strip_spacing
from extractors.tables.grid import (
    GridRow,
    cell_to_text,
    context_to_unit,
)
from schemas.quality import Code, Issue, Severity
from schemas.tables import IndicatorRow

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
