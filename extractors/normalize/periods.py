"""Printed periods -> SPEC v1 period strings.

``2024`` calendar year, ``FY2024`` Japanese fiscal year (年度, April-March), ``2018-03-30``
date, and ranges of two periods of one kind joined by ``/`` (``FY2020/FY2022``). Eras are
converted (令和6年度 / R6 -> FY2024, 平成26年 -> 2014, 令和元年 -> 2019).

A year is fiscal when printed with 年度, calendar when printed with 年. A bare era year (``R6``)
follows ``default_fiscal`` (plans count in fiscal years); a bare Western year (``2024``) is a
calendar year; a Western year printed beside an era year (``H26 (2014)``) is the calendar year
unless 年度 is printed. SPEC v1 has no month period, so a month is the range of its days
(``令和2年4月`` -> ``2020-04-01/2020-04-30``), as is a range whose ends differ in kind. A day
without a year (``4月1日``) is no period.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from extractors.normalize.textnorm import nfkc_keep_marks

FISCAL = "fiscal"
CALENDAR = "calendar"

# First Western year of each era (its year 1 = 元年) and its last year number.
ERAS: dict[str, tuple[int, int]] = {
    "明治": (1868, 45),
    "大正": (1912, 15),
    "昭和": (1926, 64),
    "平成": (1989, 31),
    "令和": (2019, 99),
}
ERA_LETTERS: dict[str, str] = {"T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_KANJI_NUMERALS = "〇一二三四五六七八九"
_ERA_YEAR = rf"(?P<y>\d{{1,2}}|元|[{_KANJI_NUMERALS}十]{{1,3}})"
_MONTH_DAY = r"(?:\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?)?"
_YEAR_SUFFIX = rf"(?:\s*(?P<nendo>年度)|\s*(?P<nen>年){_MONTH_DAY})"
_BARE_YEAR_END = r"(?=$|[\s~\-/()、。,.:;」』】\]〕・])"
_WESTERN = r"(?<![\d,.A-Za-z])(?P<y>(?:19|20)\d{2})"
_ERA_LETTER = r"(?<![A-Za-z0-9])(?P<era>[" + "".join(ERA_LETTERS) + r"])\.?(?P<y>\d{1,2}|元)(?!\d)"
_DOTTED_MONTH_DAY = r"\.(?P<dm>\d{1,2})(?:\.(?P<dd>\d{1,2}))?(?![\d%]|\.\d)"


def _compile(pattern: str) -> re.Pattern[str]:
    """ASCII digits and spaces only: the text is NFKC-normalized before matching."""
    return re.compile(pattern, re.ASCII)


# Each pattern matches one point in time; groups: era, y, nendo / nen, m / dm, d / dd, fy, sep.
POINT_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 令和6年度, 平成30年3月31日, 令和元年
    _compile(rf"(?P<era>{'|'.join(ERAS)})\s*{_ERA_YEAR}{_YEAR_SUFFIX}?"),
    # R6, H30年, H30.3.30
    _compile(rf"{_ERA_LETTER}(?:{_DOTTED_MONTH_DAY}|{_YEAR_SUFFIX})?(?![A-Za-z])"),
    # 2018-03-30, 2018/3/30, 2018.3.30
    _compile(rf"{_WESTERN}(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?!\d)"),
    # 2018-03
    _compile(rf"{_WESTERN}-(?P<m>\d{{2}})(?![\d-])"),
    # FY2024
    _compile(r"(?<![A-Za-z])(?P<fy>FY)\s?(?P<y>(?:19|20)\d{2})(?!\d)"),
    # 2024年度, 2024年3月, 2024 (a bare year only before a space, bracket or punctuation)
    _compile(rf"{_WESTERN}(?:{_YEAR_SUFFIX}|(?![\d,]|\.\d){_BARE_YEAR_END})"),
)
_POINT_STARTS = frozenset("明大昭平令" + "".join(ERA_LETTERS) + "F12")

_RANGE_SEP_RE = _compile(r"\s*(?:~|-|–|―|から|より|/)\s*")
_PAREN_OPEN_RE = _compile(r"\s*[(（]\s*")
_PAREN_CLOSE_RE = _compile(r"\s*[)）](?:\s*(?P<nendo>年度)|\s*(?P<nen>年))?")
# The end of 令和6～9年度 / R2~4: an era year without its era.
_ERA_LESS_END_RE = _compile(rf"(?P<y>\d{{1,2}}|元)(?:\s*(?P<nendo>年度)|\s*(?P<nen>年)|{_BARE_YEAR_END})")
_ERA_LESS_SEPS = ("~", "から")


@dataclass(frozen=True)
class Point:
    """One printed point in time (span in the normalized text); ``kind`` is FISCAL, CALENDAR
    or None (a bare year); ``era`` the era it was printed in (None: Western)."""

    start: int
    end: int
    year: int
    kind: str | None
    era: str | None
    month: int | None = None
    day: int | None = None


def parse_period(text: str, *, default_fiscal: bool = True) -> str | None:
    """The first period printed in ``text``, as a SPEC period string, or None.

    ``令和6年度`` -> FY2024; ``R6`` -> FY2024 (``2024`` with ``default_fiscal=False``);
    ``平成29年度実績`` -> FY2017; ``H26 (2014)`` -> 2014; ``R2～R4平均`` -> FY2020/FY2022;
    ``H28.10.1～H30.3.31`` -> 2016-10-01/2018-03-31; ``計画終了時点``, ``各年度`` -> None.
    """
    found = find_periods(text, default_fiscal=default_fiscal)
    return found[0][1] if found else None


def find_periods(text: str, *, default_fiscal: bool = True) -> list[tuple[str, str]]:
    """Every period expression in running text, in order, as (printed span, period).

    ``R6は35名の受講生`` -> [("R6", "FY2024")].
    """
    norm, origin = text_to_normalized(text)
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(norm):
        expression = expression_at(norm, pos)
        if expression is None:
            pos += 1
            continue
        first, last = expression
        period = points_to_period(first, last, default_fiscal)
        if period is None:  # a reversed range (R4～R2): keep its start only
            last, period = first, points_to_period(first, first, default_fiscal)
        span = text[origin[first.start] : origin[last.end - 1] + 1]
        found.append((span, period or ""))
        pos = last.end
    return found


def text_to_normalized(text: str) -> tuple[str, list[int]]:
    """NFKC (marks kept) character by character, with the source index of every output char."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        normalized = nfkc_keep_marks(ch)
        chars.append(normalized)
        origin.extend([i] * len(normalized))
    return "".join(chars), origin


def expression_at(norm: str, pos: int) -> tuple[Point, Point] | None:
    """The period expression starting at ``pos``: a point (with a paren year) or a range."""
    first = point_with_paren_at(norm, pos)
    if first is None:
        return None
    sep = _RANGE_SEP_RE.match(norm, first.end)
    if sep is None:
        return first, first
    last = point_with_paren_at(norm, sep.end())
    if last is None and first.era and sep.group().strip() in _ERA_LESS_SEPS:
        last = era_less_end_at(norm, sep.end(), first)
    if last is None:
        return first, first
    return inherit_kinds(first, last)


def point_at(norm: str, pos: int) -> Point | None:
    """The longest valid point starting exactly at ``pos``."""
    if pos >= len(norm) or norm[pos] not in _POINT_STARTS:
        return None
    best: Point | None = None
    for pattern in POINT_PATTERNS:
        match = pattern.match(norm, pos)
        point = match_to_point(match) if match else None
        if point is not None and (best is None or point.end > best.end):
            best = point
    return best


def match_to_point(match: re.Match[str]) -> Point | None:
    """A validated point from a pattern match; None for impossible years, months and days."""
    groups = match.groupdict()
    era = ERA_LETTERS.get(groups["era"], groups["era"]) if groups.get("era") else None
    year = era_year_to_western(era, groups["y"]) if era else int(groups["y"])
    if year is None:
        return None
    month_text = groups.get("m") or groups.get("dm")
    day_text = groups.get("d") or groups.get("dd")
    month = int(month_text) if month_text else None
    day = int(day_text) if day_text else None
    if month is not None and not _is_valid_date(year, month, day or 1):
        return None
    if groups.get("fy") or groups.get("nendo"):
        kind: str | None = FISCAL
    elif groups.get("nen"):
        kind = CALENDAR
    else:
        kind = None
    return Point(match.start(), match.end(), year, kind, era, month, day)


def point_with_paren_at(norm: str, pos: int) -> Point | None:
    """A point, merged with a year of the other calendar printed in parentheses after it:
    ``H26 (2014)`` and ``2014(平成26)年`` are one point, the Western year."""
    point = point_at(norm, pos)
    if point is None or point.month is not None:
        return point
    opening = _PAREN_OPEN_RE.match(norm, point.end)
    inner = point_at(norm, opening.end()) if opening else None
    if inner is None or (inner.era is None) == (point.era is None) or inner.month is not None:
        return point
    closing = _PAREN_CLOSE_RE.match(norm, inner.end)
    if closing is None:
        return point
    western, era_point = (inner, point) if point.era else (point, inner)
    fiscal = FISCAL in (point.kind, inner.kind) or bool(closing["nendo"])
    return Point(point.start, closing.end(), western.year, FISCAL if fiscal else CALENDAR, era_point.era)


def era_less_end_at(norm: str, pos: int, first: Point) -> Point | None:
    """``9年度`` in ``令和6～9年度``: a later year of the same era as ``first``."""
    match = _ERA_LESS_END_RE.match(norm, pos)
    if match is None or first.month is not None:
        return None
    year = era_year_to_western(first.era, match["y"]) if first.era else None
    if year is None or year < first.year:
        return None
    kind = FISCAL if match["nendo"] else CALENDAR if match["nen"] else None
    return Point(match.start(), match.end(), year, kind, first.era)


def inherit_kinds(first: Point, last: Point) -> tuple[Point, Point]:
    """In ``2020~2022年`` and ``令和6～9年度`` the bare end shares the kind printed on the other."""
    if first.kind is None and last.kind is not None and last.month is None:
        first = replace(first, kind=last.kind)
    elif last.kind is None and first.kind is not None and first.month is None:
        last = replace(last, kind=first.kind)
    return first, last


def points_to_period(first: Point, last: Point, default_fiscal: bool) -> str | None:
    """``FY2020/FY2022``, ``2016-10-01/2018-03-31``; None when the range runs backwards.

    Both ends of a range have one kind (the contract's rule). A month, or ends of different
    kinds, become a range of dates: ``2018年5月`` is ``2018-05-01/2018-05-31``.
    """
    start, end = point_to_period(first, default_fiscal), point_to_period(last, default_fiscal)
    if start is not None and end is not None and _shape(start) == _shape(end):
        if start == end:
            return start
        return f"{start}/{end}" if start < end else None
    low, high = point_first_day(first, default_fiscal), point_last_day(last, default_fiscal)
    if low > high:
        return None
    return low.isoformat() if low == high else f"{low.isoformat()}/{high.isoformat()}"


def point_to_period(point: Point, default_fiscal: bool) -> str | None:
    """``2018-03-30``, ``FY2018`` or ``2018``; None for a month (no such period in SPEC v1)."""
    if point.month is not None:
        if point.day is None:
            return None
        return datetime.date(point.year, point.month, point.day).isoformat()
    return f"FY{point.year}" if resolved_kind(point, default_fiscal) == FISCAL else str(point.year)


def resolved_kind(point: Point, default_fiscal: bool) -> str:
    """FISCAL or CALENDAR: as printed, else fiscal for a bare era year when ``default_fiscal``."""
    return point.kind or (FISCAL if point.era and default_fiscal else CALENDAR)


def point_first_day(point: Point, default_fiscal: bool) -> datetime.date:
    if point.month is not None:
        return datetime.date(point.year, point.month, point.day or 1)
    fiscal = resolved_kind(point, default_fiscal) == FISCAL
    return datetime.date(point.year, 4 if fiscal else 1, 1)


def point_last_day(point: Point, default_fiscal: bool) -> datetime.date:
    if point.month is not None and point.day is not None:
        return datetime.date(point.year, point.month, point.day)
    if point.month is not None:
        next_month = datetime.date(point.year + point.month // 12, point.month % 12 + 1, 1)
        return next_month - datetime.timedelta(days=1)
    if resolved_kind(point, default_fiscal) == FISCAL:
        return datetime.date(point.year + 1, 3, 31)
    return datetime.date(point.year, 12, 31)


def _shape(period: str) -> str:
    return "fiscal" if period.startswith("FY") else "year" if len(period) == 4 else "date"


# Plans written before an era ended count on in it: 平成32年度 (FY2020) and 平成37年度 (FY2025)
# are targets printed in 2015-2018. Up to this many years past an era's end are read.
ERA_OVERRUN = 20


def era_year_to_western(era: str, number: str) -> int | None:
    """(令和, 6) -> 2024, (平成, 元) -> 1989, (平成, 二十九) -> 2017, (平成, 37) -> 2025 (a plan
    written before the era ended); None for a year 0 or far past the era."""
    value = 1 if number == "元" else kanji_to_int(number) if not number.isdigit() else int(number)
    first, last = ERAS[era]
    overrun = ERA_OVERRUN if era in ("平成", "昭和") else 0
    if value is None or not 1 <= value <= last + overrun:
        return None
    return first + value - 1


def kanji_to_int(text: str) -> int | None:
    """Kanji numerals below 100: 九 -> 9, 十二 -> 12, 二十九 -> 29, 三〇 -> 30; else None."""
    if "十" not in text:
        digits = [_KANJI_NUMERALS.find(ch) for ch in text]
        return None if -1 in digits or not digits else int("".join(map(str, digits)))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    t = _KANJI_NUMERALS.find(tens) if tens else 1
    o = _KANJI_NUMERALS.find(ones) if ones else 0
    return None if t < 1 or o < 0 else 10 * t + o


def _is_valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


# --- period strings ---------------------------------------------------------------------

_PERIOD_RE = _compile(r"(?:FY\d{4}|\d{4}(?:-\d{2}-\d{2})?)(?:/(?:FY\d{4}|\d{4}(?:-\d{2}-\d{2})?))?")


def fiscal_year_of(period: str) -> int | None:
    """The Japanese fiscal year (April-March) holding the whole period, or None.

    ``FY2024`` -> 2024; ``2024-03-30`` -> 2023; ``2024-04-01`` -> 2024; ``2024`` -> None (a
    calendar year spans two fiscal years); a range -> its fiscal year when both ends share it.
    """
    if not _PERIOD_RE.fullmatch(period):
        return None
    if "/" in period:
        start, end = (fiscal_year_of(part) for part in period.split("/"))
        return start if start is not None and start == end else None
    if period.startswith("FY"):
        return int(period[2:])
    if len(period) == 4:
        return None
    year, month = int(period[:4]), int(period[5:7])  # a date
    return year if month >= 4 else year - 1
