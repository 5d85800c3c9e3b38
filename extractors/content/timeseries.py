"""Statistical time-series tables (人口動態, 年代別社会増減 …) -> ``observations`` rows.

Two orientations are read:

- periods across: the header row(s) print periods (``H26 (2014)``, ``R6``, ``2025年``), maybe
  with labels between them (初年度, (第1期総合戦略)) and spread over several header rows; every
  body row is a series (``自然動態 / 出生数``) with one value per period;
- periods down: the first column prints the periods and the header names the series.

Header cells of such tables are often printed one column off (a label row shifted by an empty
cell, a period on the second or third header row), so values are matched to periods by
counting: the n periods of the header, in column order, go with the last n value cells of a
row. Column positions are only the fallback.

``table_title`` is the heading just above the table without its list number and without a
trailing note on source or unit: ``(2) 人口の推移 (各年10月1日現在)`` is
``人口の推移``. The number is layout (it changes between editions); the note is
read for the calendar (各年12月末 -> calendar years) and the unit, not kept in the name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount
from extractors.normalize.periods import parse_period
from extractors.normalize.textnorm import strip_spacing
from extractors.tables.grid import (
    ColumnKind,
    Grid,
    GridRow,
    cell_to_text,
    context_to_unit,
    grid_to_column_kinds,
    is_placeholder_text,
    is_value_text,
    table_to_grid,
)
from schemas.quality import Code, Issue, Severity
from schemas.tables import ObservationRow

# --- the table's facts: title, unit, calendar ---------------------------------------------------------

UNIT_NOTE_RE = re.compile(r"[(（]?\s*単位\s*[:：]?\s*[^)）]*[)）]?")
# A trailing parenthesised note about source, date or unit, not part of the table's name.
TITLE_NOTE_RE = re.compile(r"\s*[(（][^()（）]*(?:単位|各年|年末|月末|現在|資料|出典|調査|台帳|統計|推計)[^()（）]*[)）]\s*$")
TITLE_PREFIX_RE = re.compile(
    r"^[\s\-・■□●◆◇▶▷※*]*(?:参考\s*[:：]?\s*)?"
    r"(?:\(\s*\d{1,2}\s*\)|\d{1,2}\s*[.)．]|[\u2460-\u2473]|表\s*\d+(?:-\d+)?\s*[.:：]?)?\s*"
)
# Words that say a table counts calendar years: 各年12月末, 年末, 暦年, 10月1日現在 …
CALENDAR_RE = re.compile(r"各年(?!度)|暦年|(?<!度)年末|\d{1,2}\s*月\s*(?:末|\d{1,2}\s*日)")
# 年度 printed as a kind of year (2024年度, 各年度末), not in the labels 初年度 / 最終年度 / 前年度.
FISCAL_RE = re.compile(r"(?<![初終前次本翌昨当])年度")
WESTERN_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
RATE_RE = re.compile(r"率|割合|比率|倍率")


def line_is_unit_note(line: str) -> bool:
    """``(単位：人)``, ``単位：千円``: a line that holds nothing but the unit note."""
    return bool(UNIT_NOTE_RE.search(line)) and not UNIT_NOTE_RE.sub("", line).strip(" ()（）")


def context_to_title_line(context: Sequence[str]) -> str | None:
    """The nearest context line that is a heading: not a unit note, bullet or sentence."""
    for line in reversed(context):
        text = cell_to_text(line)
        if not text or line_is_unit_note(text):
            continue
        if text.startswith(("- ", "・")) or text.endswith("。"):
            continue
        return text
    return None


def line_to_title(line: str) -> str:
    """``(2) 人口の推移 (各年10月1日現在)`` -> ``人口の推移``."""
    title = TITLE_PREFIX_RE.sub("", cell_to_text(line), count=1)
    previous = None
    while previous != title:
        previous, title = title, TITLE_NOTE_RE.sub("", title)
    return title.strip() or cell_to_text(line)


def table_counts_fiscal_years(header_text: str, context_text: str) -> bool:
    """``default_fiscal`` for the table's bare era years: 年度 in the header means fiscal years;
    各年 / 年末 / 12月末 in the title or notes, or Western years in the header, calendar years."""
    if FISCAL_RE.search(header_text):
        return True
    if CALENDAR_RE.search(context_text) or CALENDAR_RE.search(header_text):
        return False
    return not WESTERN_YEAR_RE.search(header_text)


# --- periods across: header periods, labelled body rows -----------------------------------------------


@dataclass(frozen=True)
class PeriodColumn:
    column: int
    period: str


def grid_to_period_columns(grid: Grid, default_fiscal: bool) -> list[PeriodColumn]:
    """The periods the header prints, one per column in column order (the lowest header row
    wins where two rows print one in the same column); repeated periods are dropped."""
    found: list[PeriodColumn] = []
    for c in range(grid.width):
        periods = [p for row in grid.header if (p := parse_period(row.cells[c], default_fiscal=default_fiscal))]
        if periods and all(f.period != periods[-1] for f in found):
            found.append(PeriodColumn(c, periods[-1]))
    return found


@dataclass(frozen=True)
class SeriesRow:
    """A body row split into its labels (column, text) and its value cells (column, text, printed)."""

    labels: tuple[tuple[int, str], ...]
    values: tuple[tuple[int, str, str], ...]
    source: GridRow


def is_slot(text: str) -> bool:
    return is_value_text(text) or is_placeholder_text(text)


def row_to_series_row(row: GridRow, label_width: int, periods: int) -> SeriesRow:
    """Labels are the cells left of the table's first value column, values the rest; when that
    does not give one value per period (a row printed one cell to the left), the last ``periods``
    value cells of the row are its values and everything before them its labels, unless a bare
    number would become a label."""
    last = max((c for c, text in enumerate(row.cells) if text), default=-1)
    labels = [(c, row.cells[c]) for c in range(min(label_width, last + 1)) if row.cells[c]]
    values = [(c, row.cells[c], row.printed[c]) for c in range(label_width, last + 1)]
    if len(values) != periods:
        run = trailing_slot_run(row, last)
        first = run[-periods] if len(run) >= periods > 0 else None
        if first is not None and not any(is_bare_number(row.cells[c]) for c in range(first)):
            labels = [(c, row.cells[c]) for c in range(first) if row.cells[c]]
            values = [(c, row.cells[c], row.printed[c]) for c in run[-periods:]]
    return SeriesRow(tuple(labels), tuple(values), row)


def is_bare_number(text: str) -> bool:
    """A number without unit: never a label (``65歳以上`` may be one, ``120`` is a value)."""
    amount = parse_amount(text) if text else None
    return amount is not None and amount.unit is None


def trailing_slot_run(row: GridRow, last: int) -> list[int]:
    """Columns of the run of value cells that ends the row."""
    run: list[int] = []
    for c in range(last, -1, -1):
        if not is_slot(row.cells[c]):
            break
        run.insert(0, c)
    return run


def series_row_to_pairs(row: SeriesRow, periods: Sequence[PeriodColumn]) -> list[tuple[str, str, str]] | None:
    """(period, cell, printed) for every value of the row; None when the row's values cannot be
    matched to the header's periods, neither by count nor by column."""
    if len(row.values) == len(periods):
        return [(p.period, cell, printed) for p, (_, cell, printed) in zip(periods, row.values, strict=True)]
    by_column = {p.column: p.period for p in periods}
    if by_column and all(c in by_column for c, cell, _ in row.values if cell):
        return [(by_column[c], cell, printed) for c, cell, printed in row.values if c in by_column]
    return None


def clean_label(text: str) -> str:
    """``(高齢化率)`` -> ``高齢化率``; letter spacing removed."""
    label = strip_spacing(cell_to_text(text))
    if re.fullmatch(r"[(（][^()（）]+[)）]", label):
        label = label[1:-1].strip()
    return label


def labels_to_series(state: dict[int, str], labels: Sequence[tuple[int, str]]) -> tuple[dict[int, str], str]:
    """Group labels apply to the rows below them: a row's labels replace the state from their
    column on; a blank cell left of them keeps the label above (``自然動態`` then ``出生数``,
    ``死亡`` … give ``自然動態 / 死亡``), and a label in the first column starts a new group."""
    first = labels[0][0]
    kept = {c: text for c, text in state.items() if c < first}
    kept.update({c: clean_label(text) for c, text in labels})
    return kept, " / ".join(kept[c] for c in sorted(kept))


# --- observations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableFacts:
    title: str
    unit: str | None
    default_fiscal: bool
    location: str


def value_to_observation(doc_id: str, facts: TableFacts, series: str, period: str, cell: str, printed: str) -> tuple[ObservationRow | None, Issue | None]:
    """One cell -> one observation. The table's unit applies to bare numbers (so 千円 scales
    them), except in series of rates (率, 割合), which are not counted in it."""
    if not cell:
        return None, None
    unit = None if RATE_RE.search(series) and facts.unit != "%" else facts.unit
    amount = parse_amount(cell)
    if amount is not None and amount.unit is None and unit:
        amount = parse_amount(cell + unit) or amount
    if amount is None:
        issue = None
        if not is_placeholder_text(cell):
            issue = Issue(Code.UNPARSED_VALUE, Severity.WARNING, f"'{printed}' of '{series}' {period} is not a value keikaku can read", "observations", facts.location)
        row = ObservationRow(doc_id=doc_id, table_title=facts.title, series=series, period=period, value=None, unit=None, value_text=printed)
        return row, issue
    row = ObservationRow(doc_id=doc_id, table_title=facts.title, series=series, period=period, value=amount.value, unit=amount.unit, value_text=printed)
    return row, None


def grid_to_observations_across(grid: Grid, periods: Sequence[PeriodColumn], facts: TableFacts, doc_id: str) -> tuple[list[ObservationRow], list[Issue]]:
    kinds = grid_to_column_kinds(grid)
    label_width = next((c for c, k in enumerate(kinds) if k is ColumnKind.VALUE), grid.width)
    rows: list[ObservationRow] = []
    issues: list[Issue] = []
    state: dict[int, str] = {}
    body = [row_to_series_row(r, label_width, len(periods)) for r in grid.body if any(r.cells)]
    for series_row in body:
        location = series_row.source.location()
        if not series_row.labels and not (len(body) == 1 and facts.title):
            issues.append(Issue(Code.MISSING_NAME, Severity.WARNING, "time-series row with values but no series name: skipped", "observations", location))
            continue
        if series_row.labels:
            state, series = labels_to_series(state, series_row.labels)
        else:
            series = facts.title
        if not any(cell for _, cell, _ in series_row.values):
            continue  # a group label row
        pairs = series_row_to_pairs(series_row, periods)
        if pairs is None:
            message = f"'{series}' has {len(series_row.values)} values for {len(periods)} periods: skipped"
            issues.append(Issue(Code.COUNT_MISMATCH, Severity.WARNING, message, "observations", location))
            continue
        for period, cell, printed in pairs:
            row, issue = value_to_observation(doc_id, replace_location(facts, location), series, period, cell, printed)
            rows.extend([row] if row else [])
            issues.extend([issue] if issue else [])
    return rows, issues


def replace_location(facts: TableFacts, location: str) -> TableFacts:
    return TableFacts(facts.title, facts.unit, facts.default_fiscal, location)


# --- periods down: the first column prints the periods ------------------------------------------------


def spanned_header_names(grid: Grid) -> list[str]:
    """Series names from the header, spans applied: ``人口 | (blank)`` over ``男 | 女`` gives
    ``人口 / 男``, ``人口 / 女``."""
    return [" / ".join(clean_label(part) for part in grid.header_parts(c)) for c in range(grid.width)]


def grid_to_observations_down(grid: Grid, facts: TableFacts, doc_id: str) -> tuple[list[ObservationRow], list[Issue]] | None:
    """Periods in the first column, series named by the header; None when the table is not so."""
    kinds = grid_to_column_kinds(grid)
    if not grid.header or not grid.body or kinds[0] is not ColumnKind.PERIOD:
        return None
    names = spanned_header_names(grid)
    value_columns = [c for c, k in enumerate(kinds) if k is ColumnKind.VALUE and names[c]]
    if not value_columns:
        return None
    rows: list[ObservationRow] = []
    issues: list[Issue] = []
    for body_row in grid.body:
        period = parse_period(body_row.cells[0], default_fiscal=facts.default_fiscal)
        if period is None:
            continue
        for c in value_columns:
            row, issue = value_to_observation(doc_id, replace_location(facts, body_row.location()), names[c], period, body_row.cells[c], body_row.printed[c])
            rows.extend([row] if row else [])
            issues.extend([issue] if issue else [])
    return rows, issues


# --- the extractor ------------------------------------------------------------------------------------------


def table_to_facts(table: Table, grid: Grid) -> TableFacts:
    """Title (or, with no heading above the table, ``table at page p, line n``), unit, calendar."""
    title_line = context_to_title_line(table.context) or ""
    header_text = " ".join(cell for row in grid.header for cell in row.cells if cell)
    near = " ".join(table.context[-3:])
    return TableFacts(
        title=line_to_title(title_line) if title_line else f"table at {table.location()}",
        unit=context_to_unit(table.context),
        default_fiscal=table_counts_fiscal_years(header_text, near),
        location=table.location(),
    )


def table_to_observations(table: Table, doc_id: str) -> tuple[list[ObservationRow], list[Issue]] | None:
    """Observations of one table, or None when it is no time-series table."""
    grid = table_to_grid(table)
    if not grid.header or not grid.body:
        return None
    facts = table_to_facts(table, grid)
    periods = grid_to_period_columns(grid, facts.default_fiscal)
    if len(periods) >= 2:
        rows, issues = grid_to_observations_across(grid, periods, facts, doc_id)
        return (rows, issues) if rows else None
    down = grid_to_observations_down(grid, facts, doc_id)
    return down if down and down[0] else None


def drop_duplicate_keys(rows: Sequence[ObservationRow]) -> tuple[list[ObservationRow], list[Issue]]:
    """Keep the first observation of a (table_title, series, period); report the others."""
    seen: set[tuple[str, str, str]] = set()
    kept, issues = [], []
    for row in rows:
        key = (row.table_title, row.series, row.period)
        if key in seen:
            issues.append(Issue(Code.DUPLICATE_KEY, Severity.WARNING, f"second value for {' / '.join(key)}: dropped", "observations"))
            continue
        seen.add(key)
        kept.append(row)
    return kept, issues


class TimeSeriesExtractor(Extractor):
    """Statistical tables whose header (or first column) prints periods -> ``observations``."""

    name = "timeseries"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        rows: list[ObservationRow] = []
        issues: list[Issue] = []
        claimed: list[int] = []
        for table in tables:
            found = table_to_observations(table, document.doc_id)
            if found is None:
                continue
            rows.extend(found[0])
            issues.extend(found[1])
            claimed.append(table.index)
        kept, duplicates = drop_duplicate_keys(rows)
        return Extraction(observations=tuple(kept), issues=tuple(issues + duplicates), claimed=tuple(claimed))
