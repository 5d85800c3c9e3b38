"""Statistical time-series tables (人口動態, 予算・決算の推移, 月別収集量 …) -> ``observations``.

Any table with a period axis (``extractors.tables.structure``):

- periods across: the column headings print periods (``H26 (2014)``, ``令和4年度当初予算``,
  ``28年`` after ``平成27年``); every body row is a series named by its labels
  (``自然動態 / 出生数``), and by the sub-headings that tell apart columns of one period
  (``予算額`` / ``構成比`` under ``令和4年度``);
- periods down: the row labels print the periods (``R2``, ``平成24年``, ``4月`` of the table's
  年度); every column is a series named by its headings.

A column without a period (``比較``, ``増減率``) is not a series of the table: its cells are kept
in ``cells``, with their header path. A row whose values do not fit the headings (a value under
no heading) is reported (``count-mismatch``) and kept in ``cells`` too. Printed 計 / 小計 / 合計
rows and columns are marked ``aggregate`` and checked against their members
(``aggregate-mismatch`` when they do not add up).

``table_title`` is the heading just above the table without its list number and without a
trailing note on source or unit: ``(2) 人口の推移 (各年10月1日現在)`` is ``人口の推移``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.provenance import table_cell_provenance
from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount
from extractors.normalize.periods import find_periods, parse_period
from extractors.normalize.textnorm import strip_spacing
from extractors.tables.aggregates import aggregate_issues
from extractors.tables.axis_periods import ERA_LESS_YEAR_RE, MONTH_RE, RELATIVE_YEAR_RE, is_axis_label, year_context
from extractors.tables.captions import RATIO_UNITS
from extractors.tables.grid import cell_to_text, is_placeholder_text, value_main
from extractors.tables.long_form import table_to_long_form
from extractors.tables.structure import DataCell, Structure, is_data_value, table_to_structure
from schemas.quality import Code, Issue, Severity
from schemas.tables import CellRow, ObservationRow

RATE_RE = re.compile(r"率|割合|比率|倍率")
PERIOD_LEFTOVER_RE = re.compile(r"^[\s()（）の~～・]+|[\s()（）の~～・]+$|^(?:度|末|分|時点|現在)$")
SERIES_SEPARATOR = " / "


def clean_label(text: str) -> str:
    """``(高齢化率)`` -> ``高齢化率``; letter spacing removed."""
    label = strip_spacing(cell_to_text(text))
    if re.fullmatch(r"[(（][^()（）]+[)）]", label):
        label = label[1:-1].strip()
    return label


def is_period_part(part: str) -> bool:
    """A heading or label that names a period (``令和4年度当初予算``, ``28年``, ``4月``, ``本年度``)."""
    compact = part.replace(" ", "")
    named = parse_period(part) is not None or ERA_LESS_YEAR_RE.match(compact) or MONTH_RE.match(compact) or RELATIVE_YEAR_RE.match(compact)
    return is_axis_label(part) or bool(named)


def part_without_period(part: str) -> str:
    """What a heading says besides its period: ``令和4年度当初予算`` -> ``当初予算``,
    ``本年度予算額`` -> ``予算額``, ``H27 (2015)`` -> (nothing)."""
    text = clean_label(part)
    for span, _ in find_periods(text):
        text = text.replace(span, " ", 1)
    text = RELATIVE_YEAR_RE.sub(" ", text.replace(" ", ""), count=1) if RELATIVE_YEAR_RE.match(text.replace(" ", "")) else text
    text = ERA_LESS_YEAR_RE.sub(" ", text.strip(), count=1)
    text = MONTH_RE.sub(" ", text.strip().replace(" ", ""), count=1) if MONTH_RE.match(text.strip().replace(" ", "")) else text
    return PERIOD_LEFTOVER_RE.sub("", text).strip()


def non_period_parts(path: Sequence[str]) -> list[str]:
    """The heading parts of a column or row with their periods taken out (empty parts dropped)."""
    out = []
    for part in path:
        rest = part_without_period(part) if is_period_part(part) else clean_label(part)
        if rest:
            out.append(rest)
    return out


def distinguishing_parts(structure: Structure) -> dict[int, list[str]]:
    """Per data column with a period, the heading parts its series takes: those every period
    column shares (the measure: ``予算額`` of ``本年度予算額`` and ``前年度予算額``), and those
    that tell it apart from the other columns of the same period (``予算額`` / ``構成比``
    under ``令和4年度``); a column alone in its period also keeps the parts other periods'
    columns keep (``予算額`` of ``前年度予算額`` beside ``本年度予算額`` and its funding columns).
    Parts that vary from one period to the next (``初年度``, ``(第1期総合戦略)``) are
    annotations of the period, not series."""
    columns = [c for c, period in enumerate(structure.column_periods) if period and c >= structure.stub_columns]
    parts = {c: non_period_parts(structure.column_paths[c]) for c in columns}
    common = set.intersection(*(set(p) for p in parts.values())) if parts else set()
    by_period: dict[str, list[int]] = {}
    for c in columns:
        by_period.setdefault(structure.column_periods[c] or "", []).append(c)
    out: dict[int, list[str]] = {}
    for group in by_period.values():
        shared = set.intersection(*(set(parts[c]) for c in group))
        for c in group:
            keep = common | (set(parts[c]) - shared if len(group) > 1 else set())
            out[c] = [p for p in parts[c] if p in keep]
    for group in by_period.values():
        if len(group) == 1:  # 前年度予算額 alone in its year: the measure other years' columns keep (予算額)
            kept = {p for c, kept_parts in out.items() if c not in group for p in kept_parts}
            out[group[0]] = [p for p in parts[group[0]] if p in kept or p in out[group[0]]]
    return out


def series_of(data: DataCell, structure: Structure, across: bool, extra: dict[int, list[str]]) -> str:
    row = [clean_label(p) for p in data.row_path if not (not across and is_period_part(p))]
    column = extra.get(data.column, []) if across else non_period_parts(data.column_path)
    return SERIES_SEPARATOR.join(dict.fromkeys(p for p in (*row, *column) if p))


@dataclass(frozen=True)
class Reading:
    """What one table gave: observations, the data cells they did not use, issues."""

    observations: list[ObservationRow]
    leftovers: list[DataCell]
    issues: list[Issue]
    by_slot: dict[tuple[int, int], ObservationRow]  # the observation read from each grid slot


def unit_for(series: str, unit: str | None) -> str | None:
    """The headers' unit applies to bare numbers (so 千円 scales them), except in series of
    rates (率, 割合), which are not counted in it."""
    if unit and RATE_RE.search(series) and unit not in RATIO_UNITS:
        return None
    return unit


def data_to_observation(doc_id: str, title: str, series: str, period: str, data: DataCell, table: Table) -> tuple[ObservationRow, Issue | None]:
    location = table.row_location(data.row)
    unit = unit_for(series, data.unit)
    main = value_main(data.text)
    amount = parse_amount(main)
    if amount is not None and amount.unit is None and unit:
        amount = parse_amount(main + unit) or amount
    issue = None
    if amount is None and not is_placeholder_text(data.text):
        message = f"'{data.printed}' of '{series}' {period} is not a value keikaku can read"
        issue = Issue(Code.UNPARSED_VALUE, Severity.WARNING, message, "observations", location)
    row = ObservationRow(
        doc_id=doc_id,
        table_title=title,
        series=series,
        period=period,
        value=amount.value if amount else None,
        unit=amount.unit if amount else None,
        value_text=data.printed,
        aggregate=data.aggregate,
        **table_cell_provenance(table, data.row, data.column).columns(),
    )
    return row, issue.about(row) if issue else None


def unheaded_value_rows(structure: Structure) -> set[int]:
    """Rows with a value under no heading at all, in a table whose headings print periods:
    their values cannot be matched to the periods."""
    rows = set()
    for d in structure.data:
        if not structure.column_paths[d.column] and structure.column_periods[d.column] is None and is_data_value(d.text):
            rows.add(d.row)
    return rows


def aggregate_period(data: DataCell, structure: Structure, table: Table) -> str | None:
    """A 合計 row or column along an axis of months adds up the table's year."""
    if not data.aggregate:
        return None
    months = [p for p in (*structure.column_periods, *structure.row_periods) if p and re.fullmatch(r"\d{4}-\d{2}-01/\d{4}-\d{2}-\d{2}", p)]
    if not months:
        return None
    year = year_context([*reversed(table.context[-3:])])
    return (f"FY{year[0]}" if year[1] else str(year[0])) if year else None


def structure_to_reading(doc_id: str, table: Table, structure: Structure) -> Reading:
    across = structure.periods_across
    title = structure.title or f"table at {table.location()}"
    extra = distinguishing_parts(structure) if across else {}
    mismatched = unheaded_value_rows(structure) if across else set()
    body_rows = {d.row for d in structure.data}
    observations: list[ObservationRow] = []
    leftovers: list[DataCell] = []
    issues: list[Issue] = [
        Issue(Code.COUNT_MISMATCH, Severity.WARNING, "time-series row with a value under no heading: its values cannot be matched to the periods (kept in cells)", "observations", table.row_location(r), table_id=table.index)
        for r in sorted(mismatched)
    ]
    unnamed: set[int] = set()
    by_slot: dict[tuple[int, int], ObservationRow] = {}
    for data in structure.data:
        period = (structure.column_periods[data.column] if across else structure.row_periods[data.row]) or aggregate_period(data, structure, table)
        if period is None or data.row in mismatched:
            leftovers.append(data)
            continue
        series = series_of(data, structure, across, extra)
        if not series and len(body_rows) == 1:
            series = title
        if not series:
            unnamed.add(data.row)
            leftovers.append(data)
            continue
        row, issue = data_to_observation(doc_id, title, series, period, data, table)
        observations.append(row)
        by_slot[data.row, data.column] = row
        issues += [issue] if issue else []
    issues += [
        Issue(Code.MISSING_NAME, Severity.WARNING, "time-series row with values but no series name (kept in cells)", "observations", table.row_location(r), table_id=table.index)
        for r in sorted(unnamed)
    ]
    return Reading(observations, leftovers, issues, by_slot)


def holds_numbers(structure: Structure) -> bool:
    """A time series holds numbers (or placeholders) in most of its data cells, not marks or text."""
    numbers = sum(1 for d in structure.data if is_data_value(d.text) or is_placeholder_text(d.text))
    return bool(structure.data) and numbers * 2 >= len(structure.data)


def leftover_cells(doc_id: str, table: Table, structure: Structure, leftovers: Sequence[DataCell]) -> list[CellRow]:
    """The data cells no observation took (a 比較 column, a row under no heading), in long form."""
    slots = {(d.row, d.column) for d in leftovers}
    rows = table_to_long_form(doc_id, table, structure, lambda d: (d.row, d.column) in slots) if slots else []
    return [r for r in rows if r.role == "data"]


def observation_issue(issue: Issue, by_slot: dict[tuple[int, int], ObservationRow]) -> Issue:
    """An issue about a cell of the table (keyed as in ``cells``) about the observation read from it."""
    slot = dict(issue.key)
    row = by_slot.get((slot.get("row"), slot.get("column")))  # type: ignore[arg-type]
    return issue.about(row) if row is not None else replace(issue, key=())


def drop_duplicate_keys(rows: Sequence[ObservationRow]) -> tuple[list[ObservationRow], list[Issue]]:
    """Keep the first observation of a (table_title, series, period); report the others."""
    seen: set[tuple[str, str, str]] = set()
    kept, issues = [], []
    for row in rows:
        key = (row.table_title, row.series, row.period)
        if key in seen:
            issues.append(Issue(Code.DUPLICATE_KEY, Severity.WARNING, f"second value for {' / '.join(key)}: dropped", "observations", table_id=row.table_id, row=row))
            continue
        seen.add(key)
        kept.append(row)
    return kept, issues


class TimeSeriesExtractor(Extractor):
    """Tables with a period axis (across or down) -> ``observations``; their other cells ->
    ``cells``."""

    name = "timeseries"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        rows: list[ObservationRow] = []
        cells: list[CellRow] = []
        issues: list[Issue] = []
        claimed: list[int] = []
        for table in tables:
            structure = table_to_structure(table)
            if not (structure.periods_across or structure.periods_down) or not holds_numbers(structure):
                continue
            reading = structure_to_reading(document.doc_id, table, structure)
            if not reading.observations:
                continue
            rows += reading.observations
            cells += leftover_cells(document.doc_id, table, structure, reading.leftovers)
            issues += reading.issues + [observation_issue(i, reading.by_slot) for i in aggregate_issues(structure, table)]
            claimed.append(table.index)
        kept, duplicates = drop_duplicate_keys(rows)
        return Extraction(observations=tuple(kept), cells=tuple(cells), issues=tuple(issues + duplicates), claimed=tuple(claimed))
