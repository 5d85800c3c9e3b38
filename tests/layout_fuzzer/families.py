"""The three families' logical tables drawn from a seed: label placement that determines the
grouping, participation matrices, project catalogs and time series.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from tests.fixture_generator import MARK, PROJECT_WORDS
from tests.layout_fuzzer.truth import (
    CATALOG_PROJECTS,
    CATALOG_TREE,
    DEPARTMENTS,
    MEMBER_GROUPS,
    MORE_PROJECTS,
    PARTICIPATION_TREE,
    SOFT_BREAK,
    Column,
    HeaderCell,
    HeaderGroup,
    LogicalTable,
    ObservationTruth,
    ParticipationTruth,
    ProjectTruth,
    Row,
    Truth,
    break_middle,
)


@cache
def family_table(family: str, seed: int, orientation: str = "across") -> LogicalTable:
    if family == "participation":
        return participation_table(seed)
    if family == "catalog":
        return catalog_table(seed)
    return timeseries_table(seed, orientation)


# --- label placement: is the grouping determined by where labels are printed? --------------------------------


def paths_to_spans(paths: Sequence[tuple[str, ...]], level: int) -> list[tuple[int, int]]:
    """Runs [start, stop) of rows sharing their labels down to ``level`` (1-based)."""
    spans: list[tuple[int, int]] = []
    for i, path in enumerate(paths):
        if spans and paths[spans[-1][0]][:level] == path[:level]:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def label_row(start: int, stop: int, where: str) -> int:
    """The row a label printed once sits on: top, bottom, or the upper of the middle rows."""
    return {"top": start, "bottom": stop - 1, "middle": start + (stop - start - 1) // 2}[where]


def middle_sizes(offset: int) -> tuple[int, ...]:
    """Span sizes whose middle (upper or lower, as a merged even span prints between rows) is
    ``offset`` rows below the span's start."""
    return tuple(n for n in (2 * offset, 2 * offset + 1, 2 * offset + 2) if n >= 1)


def readings(labelled: Sequence[int], start: int, stop: int, where: str) -> set[tuple[int, ...]]:
    """Every segmentation of rows [start, stop) (as span starts) in which each span prints its
    label at ``where`` on exactly the ``labelled`` rows."""
    if not labelled:
        return set()
    if where == "top":
        return {tuple(labelled)} if labelled[0] == start else set()
    if where == "bottom":
        return {(start, *(r + 1 for r in labelled[:-1]))} if labelled[-1] == stop - 1 else set()
    found: set[tuple[int, ...]] = set()

    def walk(i: int, starts: tuple[int, ...]) -> None:
        if i == len(labelled):
            if starts[-1] == stop:
                found.add(starts[:-1])
            return
        for n in middle_sizes(labelled[i] - starts[-1]):
            end = starts[-1] + n
            if end > labelled[i] and (i + 1 == len(labelled) or end <= labelled[i + 1]) and end <= stop:
                walk(i + 1, (*starts, end))

    walk(0, (start,))
    return found


@dataclass(frozen=True)
class SpanReadings:
    """The readings of one level inside one true parent span: span starts, true and found."""

    level: int
    start: int
    stop: int
    truth: tuple[int, ...]
    found: tuple[tuple[int, ...], ...]


def consistent_readings(paths: Sequence[tuple[str, ...]], printed: str, assumed: str) -> list[SpanReadings] | None:
    """Per level, per true parent span, the readings of labels printed once at ``printed`` by a
    reader assuming ``assumed``; None when some span has none (the table refutes the
    assumption). Levels are read inside their true parents."""
    out: list[SpanReadings] = []
    for level in range(1, len(paths[0]) + 1 if paths else 1):
        parents = paths_to_spans(paths, level - 1) if level > 1 else [(0, len(paths))]
        for p_start, p_stop in parents:
            spans = [(p_start + s, p_start + e) for s, e in paths_to_spans(paths[p_start:p_stop], level)]
            found = readings([label_row(s, e, printed) for s, e in spans], p_start, p_stop, assumed)
            if not found:
                return None
            out.append(SpanReadings(level, p_start, p_stop, tuple(s for s, _ in spans), tuple(sorted(found))))
    return out


def moved_rows(paths: Sequence[tuple[str, ...]], span: SpanReadings, starts: Sequence[int]) -> set[int]:
    """Rows that the reading ``starts`` puts under another label than their own."""
    labels = [paths[b][span.level - 1] for b in span.truth]
    bounds = [*starts, span.stop]
    return {r for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)) for r in range(a, b) if paths[r][span.level - 1] != labels[k]}


def open_rows(paths: Sequence[tuple[str, ...]], printed: str) -> frozenset[int]:
    """Rows (0-based) whose group some consistent reading of once-printed labels changes: the
    rendering leaves their categories open, whatever a reader does."""
    rows: set[int] = set()
    for assumed in ("top", "middle", "bottom"):
        for span in consistent_readings(paths, printed, assumed) or ():
            for starts in span.found:
                rows |= moved_rows(paths, span, starts)
    return frozenset(rows)


def paths_are_determined(paths: Sequence[tuple[str, ...]], printed: str) -> bool:
    """True when labels printed once at ``printed`` leave one grouping: for every convention a
    reader could assume (top, middle with either middle row, bottom), the table refutes it or
    its only reading is the true one."""
    return not open_rows(paths, printed)


def paths_fit_placements(paths: Sequence[tuple[str, ...]]) -> bool:
    """Labels printed at the top or the bottom of their span determine the grouping. (Printed
    in the middle, they rarely can without rules: (3, 3) and (4, 2) rows put labels on the same
    rows. The scorer sets such open rows apart instead, see ``open_projects``.)"""
    return paths_are_determined(paths, "top") and paths_are_determined(paths, "bottom")


DRAWS = 6  # determined category trees drawn per table; the least open to middle labels is kept


def draw_paths(rng: random.Random, tree: Sequence, depth: int, projects: tuple[int, int], per_leaf: tuple[int, int]) -> list[tuple[str, ...]]:
    """Category paths, one per project, from a policy tree: labels printed at the top or bottom
    of their span must determine the grouping and the count must fit; of the first few such
    draws, the one leaving the fewest rows open to middle-printed labels."""
    drawn: list[list[tuple[str, ...]]] = []
    for _ in range(5000):
        paths: list[tuple[str, ...]] = []
        for big, subtree in rng.sample(list(tree), rng.randint(2, min(4, len(tree)))):
            for mid in rng.sample(list(subtree), rng.randint(1, min(3, len(subtree)))):
                if depth == 2:
                    paths += [(big, mid)] * rng.randint(*per_leaf)
                    continue
                name, smalls = mid
                for small in rng.sample(list(smalls), rng.randint(1, min(3, len(smalls)))):
                    paths += [(big, name, small)] * rng.randint(*per_leaf)
        if projects[0] <= len(paths) <= projects[1] and paths_fit_placements(paths):
            drawn.append(paths)
            if len(drawn) == DRAWS:
                return min(drawn, key=lambda p: len(open_rows(p, "middle")))
    raise RuntimeError("no determined category tree drawn in 5000 tries")


def draw_names(rng: random.Random, pool: Sequence[str], count: int) -> list[str]:
    names = rng.sample(list(pool), min(count, len(pool)))
    while len(names) < count:
        names.append(f"{pool[len(names) % len(pool)]}（第{len(names) // len(pool) + 1}期）")
    return names


# --- participation matrices ----------------------------------------------------------------------------------

SUMMARY_LABELS = (("●の数", "○の数", "合計"), ("既に連携（●）", "新たに連携（○）", "計"))
STATE_WEIGHTS = (("existing", "new", "none"), (0.6, 0.12, 0.28))


def participation_table(seed: int) -> LogicalTable:
    """Projects under 大分類 / 中分類 × member municipalities, with the printed totals."""
    rng = random.Random(f"participation-{seed}")
    region, group = rng.choice(MEMBER_GROUPS)
    others = sorted(rng.sample(group[1:], rng.randint(5, min(11, len(group) - 1))), key=group.index)
    members = (group[0], *others)
    paths = draw_paths(rng, PARTICIPATION_TREE, 2, (10, 36), (1, 5))
    names = draw_names(rng, (*PROJECT_WORDS, *MORE_PROJECTS), len(paths))
    states = [["existing", *rng.choices(*STATE_WEIGHTS, k=len(others))] for _ in paths]
    rows = [
        Row((*path, str(no), break_middle(name, 9), *(MARK[s] for s in row), str(sum(s != "none" for s in row))))
        for no, (path, name, row) in enumerate(zip(paths, names, states, strict=True), start=1)
    ]
    labels = rng.choice(SUMMARY_LABELS)
    for label, pick in zip(labels, ("existing", "new", None), strict=True):
        counts = [sum((r[m] == pick) if pick else (r[m] != "none") for r in states) for m in range(len(members))]
        rows.append(Row((label, "", "", "", *map(str, counts), str(sum(counts))), kind="summary", span=4))
    name_header = rng.choice(("事業名", "取組名", "連携事業"))
    columns = (
        Column("大分類", 7, "label", 1), Column("中分類", 6, "label", 2), Column("No", 1.5, "number"), Column(name_header, 10, "name"),
        *(Column(break_middle(m, 4), max(len(m), 2), "member") for m in members), Column("合計", 2, "count"),
    )
    truth = Truth(
        "participation",
        participation=tuple(
            ParticipationTruth(no, name, member, state)
            for no, (name, row) in enumerate(zip(names, states, strict=True), start=1)
            for member, state in zip(members, row, strict=True)
        ),
        projects=tuple(ProjectTruth(no, name, *path) for no, (path, name) in enumerate(zip(paths, names, strict=True), start=1)),
    )
    title = rng.choice(("{}において連携する取組一覧", "{} 連携事業と関係市町村", "{}共生ビジョン 具体的取組一覧")).format(region)
    return LogicalTable(
        family="participation", title=(title,), columns=columns, header=header_cells(columns), header_rows=1,
        rows=tuple(rows), truth=truth, running=title,
    )


def header_cells(columns: Sequence[Column]) -> tuple[HeaderCell, ...]:
    return tuple(HeaderCell(0, i, c.header) for i, c in enumerate(columns))


# --- project catalogs -----------------------------------------------------------------------------------------

VALUE_COLUMNS = (("cost",), ("dept",), ("cost", "dept"))


def catalog_table(seed: int) -> LogicalTable:
    """Projects under 大分類 / 中分類 / 小分類 with 事業費（千円） and/or 担当課, a 合計 under 事業費."""
    rng = random.Random(f"catalog-{seed}")
    paths = draw_paths(rng, CATALOG_TREE, 3, (14, 48), (1, 4))
    names = draw_names(rng, CATALOG_PROJECTS, len(paths))
    values = rng.choice(VALUE_COLUMNS)
    costs = [rng.randint(3, 2500) * 100 + rng.randint(0, 99) for _ in paths]
    depts = [rng.choice(DEPARTMENTS) for _ in paths]
    columns = [Column("大分類", 7, "label", 1), Column("中分類", 7, "label", 2), Column("小分類", 7, "label", 3),
               Column("No", 1.5, "number"), Column("事業名", 10, "name")]
    if "cost" in values:
        columns.append(Column(f"事業費{SOFT_BREAK}（千円）", 5, "value"))
    if "dept" in values:
        columns.append(Column(f"担当{SOFT_BREAK}課", 7, "text"))
    rows = []
    for no, (path, name, cost, dept) in enumerate(zip(paths, names, costs, depts, strict=True), start=1):
        extra = ((f"{cost:,}",) if "cost" in values else ()) + ((SOFT_BREAK.join(dept),) if "dept" in values else ())
        rows.append(Row((*(break_middle(p, 8) for p in path), str(no), break_middle(name, 9), *extra)))
    if "cost" in values:
        rows.append(Row(("合計", "", "", "", "", f"{sum(costs):,}", *([""] if "dept" in values else [])), kind="summary", span=5))
    truth = Truth("catalog", projects=tuple(ProjectTruth(no, name, *path) for no, (path, name) in enumerate(zip(paths, names, strict=True), start=1)))
    title = rng.choice(("第2期総合戦略 施策体系別事業一覧", "実施計画 事業一覧（令和6年度）", "主要事業一覧"))
    title_lines = (title, "（単位：千円）") if "cost" in values and rng.random() < 0.5 else (title,)
    return LogicalTable(
        family="catalog", title=title_lines, columns=tuple(columns), header=header_cells(columns), header_rows=1,
        rows=tuple(rows), truth=truth, running=title,
    )


# --- time series ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesSpec:
    group: str  # "" for a row outside any group (a total of the table)
    name: str
    rule: tuple  # ("leaf", low, high) | ("sum", (group, name), ...) | ("diff", (group, name), (group, name))


@dataclass(frozen=True)
class Archetype:
    title: str
    unit: str  # unit as captioned: 人, 千円
    fiscal: bool
    note: str  # title note: calendar evidence or source
    series: tuple[SeriesSpec, ...]


def _leaf(group: str, name: str, low: int, high: int) -> SeriesSpec:
    return SeriesSpec(group, name, ("leaf", low, high))


def _subtotal(group: str, names: Sequence[str], label: str = "小計") -> SeriesSpec:
    return SeriesSpec(group, label, ("sum", *((group, n) for n in names)))


def _grouped_sums(groups: Sequence[tuple[str, Sequence[tuple[str, int, int]]]]) -> tuple[SeriesSpec, ...]:
    out: list[SeriesSpec] = []
    for group, leaves in groups:
        out += [_leaf(group, n, lo, hi) for n, lo, hi in leaves]
        out.append(_subtotal(group, [n for n, _, _ in leaves]))
    return tuple(out)


AGES = (("0～14歳", 800, 6000), ("15～64歳", 9000, 40000), ("65歳以上", 4000, 22000))
EXPENSES = (
    ("義務的経費", (("人件費", 1_500_000, 4_000_000), ("扶助費", 2_000_000, 6_000_000), ("公債費", 800_000, 2_500_000))),
    ("投資的経費", (("普通建設事業費", 500_000, 3_000_000), ("災害復旧事業費", 0, 300_000))),
    ("その他の経費", (("物件費", 1_000_000, 3_000_000), ("補助費等", 600_000, 2_000_000), ("繰出金", 700_000, 1_800_000))),
)
ARCHETYPES = (
    Archetype("人口動態の推移", "人", False, "（各年1月～12月）", (
        _leaf("自然動態", "出生数", 250, 900), _leaf("自然動態", "死亡数", 700, 1500),
        SeriesSpec("自然動態", "自然増減", ("diff", ("自然動態", "出生数"), ("自然動態", "死亡数"))),
        _leaf("社会動態", "転入数", 1800, 3200), _leaf("社会動態", "転出数", 1900, 3400),
        SeriesSpec("社会動態", "社会増減", ("diff", ("社会動態", "転入数"), ("社会動態", "転出数"))),
        SeriesSpec("", "人口増減", ("sum", ("自然動態", "自然増減"), ("社会動態", "社会増減"))),
    )),
    Archetype("年齢3区分別人口の推移", "人", False, "（各年10月1日現在）", (
        *_grouped_sums((("男", AGES), ("女", AGES))),
        SeriesSpec("", "総数", ("sum", ("男", "小計"), ("女", "小計"))),
    )),
    Archetype("性質別歳出決算額の推移", "千円", True, "（普通会計決算）", (
        *_grouped_sums(EXPENSES),
        SeriesSpec("", "歳出合計", ("sum", *((g, "小計") for g, _ in EXPENSES))),
    )),
    Archetype("転入・転出者数の推移", "人", True, "（住民基本台帳）", (
        *_grouped_sums((("転入", (("県内", 600, 1500), ("県外", 500, 1400))), ("転出", (("県内", 700, 1600), ("県外", 600, 1500))))),
        SeriesSpec("", "社会増減", ("diff", ("転入", "小計"), ("転出", "小計"))),
    )),
)
LAST_YEAR = 2024  # the latest period a table may print
ERAS = (("令和", "R", 2019), ("平成", "H", 1989), ("昭和", "S", 1926))
UNIT_SCALE = {"人": (1, "人"), "千円": (1000, "円")}


def year_to_era(year: int) -> tuple[str, str, int]:
    """(era, letter, year of era) of a Western year; the first year of an era is its 元年."""
    era, letter, first = next(e for e in ERAS if year >= e[2])
    return era, letter, year - first + 1


def period_label(year: int, fiscal: bool, style: str, previous: int | None) -> str:
    """A period as a plan prints it. ``changes`` prints the era only where it changes."""
    era, letter, number = year_to_era(year)
    suffix = "年度" if fiscal else "年"
    if style == "abbrev":
        return f"{letter}{number}" + (suffix if fiscal else "")
    shown = "元" if number == 1 else str(number)
    if style == "changes" and previous is not None and year_to_era(previous)[0] == era:
        return f"{shown}{SOFT_BREAK}{suffix}"
    return f"{era}{shown}{SOFT_BREAK}{suffix}"


def draw_years(rng: random.Random, fiscal: bool) -> list[int]:
    """Periods whose era changes along the axis: census years from 昭和, or annual series
    across 平成元年 / 令和元年."""
    if not fiscal and rng.random() < 0.35:
        count = rng.randint(6, 8)
        return list(range(2020 - 5 * (count - 1), 2021, 5))
    count = rng.randint(6, 12)
    change = 1989 if not fiscal and rng.random() < 0.3 else 2019
    start = rng.randint(change - count + 2, min(change - 1, LAST_YEAR - count + 1))
    return list(range(start, start + count))


def series_values(specs: Sequence[SeriesSpec], years: Sequence[int], rng: random.Random) -> dict[tuple[str, str], list[int]]:
    """Leaf series wander around a drawn level; sums and differences are computed, so the
    printed totals add up."""
    values: dict[tuple[str, str], list[int]] = {}
    for spec in specs:
        kind, *args = spec.rule
        if kind == "leaf":
            level = rng.randint(args[0], args[1])
            values[(spec.group, spec.name)] = [max(0, round(level * rng.uniform(0.85, 1.15))) for _ in years]
        elif kind == "sum":
            values[(spec.group, spec.name)] = [sum(v) for v in zip(*(values[k] for k in args), strict=True)]
        else:
            values[(spec.group, spec.name)] = [a - b for a, b in zip(values[args[0]], values[args[1]], strict=True)]
    return values


def format_value(value: int, negative: str) -> str:
    return f"{negative}{-value:,}" if value < 0 else f"{value:,}"


def series_name(spec: SeriesSpec) -> str:
    return f"{spec.group} / {spec.name}" if spec.group else spec.name


@dataclass(frozen=True)
class SeriesTable:
    """A time-series table before it is laid out across or down."""

    archetype: Archetype
    years: tuple[int, ...]
    labels: tuple[str, ...]  # period labels as printed (SOFT_BREAK where they may wrap)
    cells: tuple[tuple[str, ...], ...]  # per series, per period, as printed
    title: tuple[str, ...]
    truth: Truth


@cache
def series_table(seed: int) -> SeriesTable:
    rng = random.Random(f"timeseries-{seed}")
    arch = rng.choice(ARCHETYPES)
    years = draw_years(rng, arch.fiscal)
    style = rng.choice(("full", "changes", "abbrev"))
    labels = tuple(period_label(y, arch.fiscal, style, years[i - 1] if i else None) for i, y in enumerate(years))
    negative = rng.choice(("▲", "▲ ", "△"))
    values = series_values(arch.series, years, rng)
    cells = tuple(tuple(format_value(v, negative) for v in values[(s.group, s.name)]) for s in arch.series)
    scale, unit = UNIT_SCALE[arch.unit]
    truth = Truth("timeseries", observations=tuple(
        ObservationTruth(series_name(s), f"FY{y}" if arch.fiscal else str(y), str(v * scale), unit)
        for s in arch.series for y, v in zip(years, values[(s.group, s.name)], strict=True)
    ))
    number = rng.choice(("(1) ", "(2) ", "表3 ", ""))
    caption = rng.choice(("（単位：{}）", "単位：{}", "(単位:{})")).format(arch.unit)
    return SeriesTable(arch, tuple(years), labels, cells, (f"{number}{arch.title}{arch.note}", caption), truth)


def timeseries_table(seed: int, orientation: str) -> LogicalTable:
    table = series_table(seed)
    return series_across(table) if orientation == "across" else series_down(table)


def series_across(table: SeriesTable) -> LogicalTable:
    """Series down the side (group label, name), periods across the top."""
    specs = table.archetype.series
    columns = (Column("区分", 5, "label", 1), Column("", 7, "name"), *(Column(p, 5, "period") for p in table.labels))
    header = (HeaderCell(0, 0, "区分", col_span=2), *(HeaderCell(0, 2 + i, p) for i, p in enumerate(table.labels)))
    rows = tuple(
        Row((s.group, break_middle(s.name, 6), *cells)) if s.group else Row((s.name, "", *cells), kind="summary", span=2)
        for s, cells in zip(specs, table.cells, strict=True)
    )
    return LogicalTable("timeseries", table.title, columns, header, 1, rows, table.truth, running=table.title[0])


def series_down(table: SeriesTable) -> LogicalTable:
    """Periods down the side, series across: group labels on a first header row over their
    series' columns, names on the second; ungrouped series span both header rows."""
    specs = table.archetype.series
    period_header = "年度" if table.archetype.fiscal else "年"
    columns = (Column(period_header, 6, "period"), *(Column(break_middle(s.name, 6), 5, "value") for s in specs))
    header: list[HeaderCell] = [HeaderCell(0, 0, period_header, row_span=2)]
    groups: list[HeaderGroup] = []
    for i, s in enumerate(specs, start=1):
        if not s.group:
            header.append(HeaderCell(0, i, s.name, row_span=2))
            continue
        header.append(HeaderCell(1, i, break_middle(s.name, 6)))
        if groups and groups[-1].label == s.group:
            groups[-1] = replace(groups[-1], stop=i + 1)
        else:
            groups.append(HeaderGroup(s.group, i, i + 1))
    rows = tuple(Row((label, *(cells[k] for cells in table.cells))) for k, label in enumerate(table.labels))
    return LogicalTable("timeseries", table.title, columns, tuple(header), 2, rows, table.truth, tuple(groups), running=table.title[0])
