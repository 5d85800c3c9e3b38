"""The periods along a table's axes: what year or month each column heading or row label names.

A heading names a period when it starts with one or is short (``平成24年``, ``令和4年度当初予算``,
``初年度 H27 (2015)``), not when a sentence or a measure mentions one on the way. Along an axis
a year printed without its era takes the era of the labels before it (``平成27年``, ``28年``),
else the era nearest the table's (or the document's) year; a month takes the table's year; a
year named relative to the document's (``本年度``, ``前年度``) takes the table's year, else its
place before the years the axis prints. A 比較 / 増減 heading beside two periods is the change
to the latest of them, never a period of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.normalize.periods import era_year_to_western, find_periods, parse_period
from extractors.tables.grid import cell_to_text, is_period_label

MONTH_RE = re.compile(r"^(\d{1,2})\s*月\s*(?:分|末|中)?$")
# A year named relative to the document's own (本年度 of a 令和8年度 budget is FY2026); not a
# comparison heading (前年度比, 前年度対比, 前年比較 name a change, not a period), nor the start of
# a compound (翌年度繰越財源 is a measure of the settled year).
RELATIVE_YEAR_RE = re.compile(r"^[(（]?(?P<word>前々|前前|本|当|今|前|昨|翌|次)(?P<kind>年度|年(?!度))(?!比|対比|比較|増減|差|との|繰越|繰入|以降|から|へ)")
RELATIVE_OFFSETS = {"前々": -2, "前前": -2, "本": 0, "当": 0, "今": 0, "前": -1, "昨": -1, "翌": 1, "次": 1}
ERA_LESS_YEAR_RE = re.compile(r"^(元|\d{1,2})\s*(年度|年)")
ERA_RE = re.compile(r"(明治|大正|昭和|平成|令和|[MTSHR](?=\.?\d))")
# A column comparing the latest period with the one before: its value is the latest period's change.
COMPARISON_RE = re.compile(r"比較|増減|伸び?率|対前年|前年度?比|前年度?対比|差引|差額")
PERIOD_WORDS = ("年度", "年", "月")
# Words that say a table counts calendar years: 各年12月末, 年末, 暦年, 10月1日現在 …
CALENDAR_RE = re.compile(r"各年(?!度)|暦年|(?<!度)年末|\d{1,2}\s*月\s*(?:末|\d{1,2}\s*日)")
# 年度 printed as a kind of year (2024年度, 各年度末), not in the labels 初年度 / 最終年度 / 前年度.
FISCAL_RE = re.compile(r"(?<![初終前次本翌昨当])年度")
WESTERN_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def is_month_label(text: str) -> bool:
    return bool(MONTH_RE.match(text.replace(" ", "")))


def is_axis_label(text: str) -> bool:
    """A period printed as a label: ``R6``, ``平成24年``, ``28年``, ``4月``, ``2020年度``."""
    compact = text.replace(" ", "")
    return is_period_label(text) or is_month_label(compact) or bool(ERA_LESS_YEAR_RE.fullmatch(compact))


def table_counts_fiscal_years(header_text: str, context_text: str) -> bool:
    """``default_fiscal`` for the table's bare era years: 年度 in the header means fiscal years;
    各年 / 年末 / 12月末 in the title or notes, or Western years in the header, calendar years."""
    if FISCAL_RE.search(header_text):
        return True
    if CALENDAR_RE.search(context_text) or CALENDAR_RE.search(header_text):
        return False
    return not WESTERN_YEAR_RE.search(header_text)


def corner_names_fiscal_years(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> bool:
    """The corner heading says the axis counts 年度 (``年度`` / ``年 度 部門別``): its years are
    fiscal years even where printed ``平成31年``."""
    corner = "".join(slots[r][c] for r in range(header_rows) for c in range(stub_columns)).replace(" ", "")
    return bool(re.search(r"^年度|年度(?:別|区分)|区分年度|年度$", corner)) or corner.startswith("年度")


def as_fiscal(period: str | None) -> str | None:
    """``2019`` -> ``FY2019`` (a calendar year printed on an axis of 年度); others unchanged."""
    return f"FY{period}" if period is not None and re.fullmatch(r"\d{4}", period) else period


def year_context(texts: Sequence[str]) -> tuple[int, bool] | None:
    """(year, fiscal) of the first single year the texts print (``令和4年度`` -> (2022, True));
    a date or a month counts as its fiscal year (``平成29年3月策定`` -> (2016, True)): what a
    month without year (``4月``), a year without era (``29年度``) or 本年度 belong to."""
    for text in texts:
        for _, period in find_periods(text):
            match = re.fullmatch(r"(FY)?(\d{4})", period)
            if match:
                return int(match[2]), bool(match[1])
            dated = re.match(r"(\d{4})-(\d{2})-\d{2}", period)
            if dated:
                year, month = int(dated[1]), int(dated[2])
                return (year if month >= 4 else year - 1), True
    return None


def era_for(number: str, year: tuple[int, bool] | None) -> str | None:
    """The era a year printed without one (``29年度``) is in: the one that puts it nearest the
    table's year."""
    if year is None:
        return None
    options = [(abs(western - year[0]), era) for era in ("昭和", "平成", "令和") if (western := era_year_to_western(era, number)) is not None]
    best = min(options, default=None)
    return best[1] if best is not None and best[0] <= 30 else None


def month_to_period(month: int, year: tuple[int, bool]) -> str:
    """The days of a month of the context's year (a fiscal year runs April to March)."""
    import calendar

    value, fiscal = year
    calendar_year = value + 1 if fiscal and month < 4 else value
    last = calendar.monthrange(calendar_year, month)[1]
    return f"{calendar_year}-{month:02d}-01/{calendar_year}-{month:02d}-{last:02d}"


def axis_to_periods(
    labels: Sequence[tuple[str, ...]], default_fiscal: bool, year: tuple[int, bool] | None, hint: int | None = None
) -> list[str | None]:
    """The period of every label along one axis (a column's header path, a row's labels).

    A year printed without its era (``28年``) takes the era of the labels before it
    (``平成27年``, ``28年`` …, ``令和元年``, ``2年``), else the era that puts it nearest the
    table's year (or the document's, ``hint``); a month alone takes the table's year; a year
    named relative to the document's (``前年度``, ``本年度``) takes the table's year, else its
    place before the years the axis prints (``前年度 | 本年度 | 29年度``: 本年度 is 28年度)."""
    out: list[str | None] = []
    relatives: dict[int, tuple[int, str]] = {}
    era: str | None = None
    for i, path in enumerate(labels):
        period, era, relative = path_to_period(path, default_fiscal, year, hint, era)
        out.append(period)
        if relative is not None:
            relatives[i] = relative
    return relatives_by_position(out, relatives)


def path_to_period(
    path: Sequence[str], default_fiscal: bool, year: tuple[int, bool] | None, hint: int | None, era: str | None
) -> tuple[str | None, str | None, tuple[int, str] | None]:
    """(period, era in force after this label, (offset, 年度|年) of a relative year left open)."""
    for part in reversed(path):
        compact = part.replace(" ", "")
        found = ERA_RE.findall(compact)
        era = found[-1] if found else era
        period = label_period(part, default_fiscal)
        era_less = ERA_LESS_YEAR_RE.match(compact)
        if period is None and era_less:
            known = era or era_for(era_less[1], year or ((hint, True) if hint else None))
            period = parse_period(known + compact, default_fiscal=default_fiscal) if known else None
        month = MONTH_RE.match(compact)
        if period is None and month and year is not None and 1 <= int(month[1]) <= 12:
            period = month_to_period(int(month[1]), year)
        relative = RELATIVE_YEAR_RE.match(compact)
        if period is None and relative:
            offset = RELATIVE_OFFSETS[relative["word"]]
            if year is None:
                return None, era, (offset, relative["kind"])
            period = f"FY{year[0] + offset}" if relative["kind"] == "年度" else str(year[0] + offset)
        if period is not None:
            return period, era, None
    return None, era, None


SHORT_LABEL = 16  # characters: a label this short that prints a period is that period (初年度 H27 (2015))
LEADING_NOTE_RE = re.compile(r"^[(（【\[][^)）】\]]{1,6}[)）】\]]\s*")


def label_period(part: str, default_fiscal: bool) -> str | None:
    """The period a heading or row label names: the label starts with a period (``平成24年``,
    ``令和4年度当初予算``, ``(参考)令和4年度の人件費率``) or is short (``初年度 H27 (2015)``), not
    a sentence or a measure that mentions one on the way (``住民基本台帳人口(令和6年1月1日)``,
    ``…令和8年4月分~``, ``令和8年3月に協定が締結され、…。``)."""
    text = LEADING_NOTE_RE.sub("", cell_to_text(part), count=1)
    found = find_periods(text, default_fiscal=default_fiscal)
    if not found:
        return None
    span, period = found[0]
    if "。" in text or text.count("、") > 1:  # a sentence that starts with a date (令和8年3月に…締結され、…)
        return None
    if text.find(span) <= 1 or len(text) <= SHORT_LABEL:
        return period or None
    return trailing_year(text, default_fiscal)


TRAILING_PAREN_RE = re.compile(r"[(（](?P<inner>[^()（）]+)[)）]$")
YEAR_PERIOD_RE = re.compile(r"(?:FY)?\d{4}")
MAX_YEAR_QUALIFIER = 4  # characters after the year inside the brackets: (令和5年度決算), (R5実績)


def trailing_year(text: str, default_fiscal: bool) -> str | None:
    """The year a measure ends on in brackets (``職員全体に占める手当支給職員の割合(令和5年度)``,
    ``支給実績(令和5年度決算)``): the row's period. A date there (``人口(令和6年1月1日)``) is the
    day the figure was taken, not a period of the row."""
    match = TRAILING_PAREN_RE.search(text)
    found = find_periods(match["inner"], default_fiscal=default_fiscal) if match else []
    if not found:
        return None
    span, period = found[0]
    starts = match["inner"].find(span) == 0
    return period if starts and len(match["inner"]) - len(span) <= MAX_YEAR_QUALIFIER and YEAR_PERIOD_RE.fullmatch(period or "") else None


def relatives_by_position(periods: list[str | None], relatives: dict[int, tuple[int, str]]) -> list[str | None]:
    """Relative years left open, dated by the first year the axis prints after them, one year
    a column: only when their own offsets agree (前々年度, 前年度, 本年度 in that order)."""
    out = list(periods)
    for start in sorted(relatives):
        if out[start] is not None:
            continue
        after = next((j for j in range(start + 1, len(out)) if out[j] is not None), None)
        match = re.fullmatch(r"(FY)?(\d{4})", out[after] or "") if after is not None else None
        run = [i for i in range(start, after or start) if i in relatives]
        if match is None or after is None or len(run) != after - start:
            continue
        bases = {int(match[2]) - (after - i) - relatives[i][0] for i in run}
        if len(bases) == 1:
            for i in run:
                value = int(match[2]) - (after - i)
                out[i] = f"FY{value}" if relatives[i][1] == "年度" else str(value)
    return out


def comparisons(paths: Sequence[tuple[str, ...]], periods: Sequence[str | None], first: int) -> tuple[frozenset[int], str | None]:
    """Columns (or rows) headed 比較 / 増減 / 前年比 beside two or more period columns (rows),
    and the latest of those periods: what their values are the change of (本年度 − 前年度)."""
    dated = [p for k, p in enumerate(periods) if p and k >= first and re.fullmatch(r"(?:FY)?\d{4}", p)]
    if len(set(dated)) < 2:
        return frozenset(), None
    latest = max(dated, key=lambda p: int(p.removeprefix("FY")))
    lines = frozenset(k for k, path in enumerate(paths) if k >= first and periods[k] is None and any(COMPARISON_RE.search(part) for part in path))
    return lines, latest if lines else None
