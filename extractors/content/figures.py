"""Figures in a sentence (``相談件数 120件``, ``前年度比2億9,000万円減``): where they are printed,
their value and unit, and what is not a figure.

A *figure* is a number with a counter or unit (件, 人, 千円, %, 市町村 …) or a number after a
``label：``; years, dates, item numbers (第3期, (1), ①), page and phone numbers are no figures,
and a counter that is part of a name (``東部3町連携地域``) is none either. Letter-spaced digits
(``1 2 地域``) are read as one number.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from extractors.normalize.amounts import parse_qualified_amount
from extractors.normalize.periods import find_periods
from extractors.normalize.textnorm import is_japanese, nfkc_keep_marks

# Counters and units, longest first in the pattern. Years (年), months and days are left out on
# purpose: they are dates, not stated figures; an age (歳) is a figure only with decimals (平均
# 初婚年齢 30.9歳), a whole one being a condition (65歳以上).
COUNTERS = (
    "市区町村", "市町村", "町村", "市町", "市", "町", "村", "区", "都市", "地域", "圏域", "地区",
    "件", "人", "名", "者", "社", "団体", "事業", "施設", "箇所", "か所", "ヶ所", "カ所", "所",
    "回", "校", "世帯", "戸", "台", "隻", "機", "本", "冊", "部", "点", "品目", "品", "種類", "種",
    "項目", "店舗", "店", "棟", "床", "人日", "人泊", "泊", "日間", "時間", "か月", "ヶ月", "カ月",
    "週間", "つ", "組", "チーム", "グループ", "コース", "プロジェクト", "円", "ドル",
    "%", "ポイント", "倍", "割", "ha", "ヘクタール", "km", "m2", "m3", "m", "kg", "t", "トン",
    "kW", "kWh", "MW", "GWh", "千kWh", "歳", "パーセント",
)  # fmt: skip
UNIT_SPELLINGS = {"パーセント": "%"}
SCALE_WORDS = ("兆", "千億", "百億", "十億", "億", "千万", "百万", "十万", "万", "千")
PREFIX_QUALIFIERS = ("おおむね", "およそ", "延べ", "のべ", "概ね", "最大", "最低", "合計", "約", "延")
SUFFIX_QUALIFIERS = ("以上", "以下", "未満", "程度", "前後", "超", "強", "弱")
QUALIFIER_SPELLINGS = {"のべ": "延べ", "延": "延べ", "おおむね": "概ね"}
# A municipality or area counter followed by more of a name is part of that name (3町連携地域).
NAME_COUNTERS = frozenset({"市区町村", "市町村", "町村", "市町", "市", "町", "村", "区", "地域", "圏域", "地区", "都市"})

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = "|".join(SCALE_WORDS)
_BODY = rf"(?:(?:{_NUM})\s*(?:{_SCALE})\s*)*(?:{_NUM})"
_ASCII_COUNTERS = tuple(c for c in COUNTERS if c.isascii() and c.isalpha())
_COUNTER_ALT = "|".join(re.escape(c) for c in sorted(COUNTERS, key=len, reverse=True))
FIGURE_RE = re.compile(
    rf"(?P<pre>{'|'.join(PREFIX_QUALIFIERS)})?[ \t]*"
    rf"(?P<sign>[▲△]|マイナス|(?<![0-9A-Za-z])[-−](?=\d))?[ \t]*"
    rf"(?P<body>{_BODY})(?:[ \t]*[~～][ \t]*(?P<body2>{_BODY}))?"
    rf"[ \t]*(?P<scale>{_SCALE})?[ \t]*(?P<unit>{_COUNTER_ALT})"
    rf"(?P<post>{'|'.join(SUFFIX_QUALIFIERS)})?"
)
# A value printed after a label and a colon, without a unit (``出生率：1.32``).
# Followed by a space, punctuation or the next label (lines of a list joined: ``1.29東部：``).
COLON_VALUE_RE = re.compile(rf"(?<=[:：])[ \t]*(?P<sign>[▲△])?(?P<body>{_NUM})(?=[ \t]|$|[、。,)）]|[^\x00-\x7f])")
PHONE_RE = re.compile(r"(?<![\d-])\d{2,5}-\d{1,4}-\d{3,4}(?![\d-])|〒\s*\d{3}-\d{4}")
PAGE_RE = re.compile(r"(?:^|\s)[-‐―ー]\s*\d{1,4}\s*[-‐―ー](?:\s|$)|(?<![A-Za-z])[Pp]\.?\s*\d{1,4}(?!\d)")
_LETTER_SPACED_DIGITS_RE = re.compile(r"(?<![\d.,])\d(?: \d)+(?![\d.,])")
_NOT_BEFORE_NUMBER = frozenset("第#№.,") | frozenset("0123456789")
_ORDINAL_AFTER = "目番位号"
# The number of a caption or a question (表1人口の動き, 図9, 問3で): after such a word that starts a word.
CAPTION_NUMBER_RE = re.compile(r"(?:^|[^\u4e00-\u9fff])(?:表|図|問|グラフ|資料|別表|様式)[ \t]*$")


@dataclass(frozen=True)
class Figure:
    """A figure found in a sentence: span of the printed figure (qualifiers included), the span
    of its number (for the parse), value, unit (scale word applied), qualifier."""

    start: int
    end: int
    number_start: int
    value: Decimal
    unit: str | None
    qualifier: str | None
    printed: str


def join_letter_spaced_digits(text: str) -> str:
    """``1 2 地域 3 6 市町村`` -> ``12 地域 36 市町村``: runs of single digits one space apart."""
    return _LETTER_SPACED_DIGITS_RE.sub(lambda m: m.group().replace(" ", ""), text)


def normalize_sentence_text(text: str) -> str:
    """NFKC (marks kept) with letter-spaced digits joined: the text figures are read from."""
    return join_letter_spaced_digits(nfkc_keep_marks(text))


@functools.lru_cache(maxsize=4096)
def period_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, period) of every period expression of ``text`` (cached: headings, figures
    and periods all ask for the same lines)."""
    spans = []
    cursor = 0
    for printed, period in find_periods(text):
        start = text.find(printed, cursor)
        if start < 0:
            continue
        spans.append((start, start + len(printed), period))
        cursor = start + len(printed)
    return tuple(spans)


def excluded_spans(text: str) -> list[tuple[int, int]]:
    """Spans holding digits that are no figures: periods, phone and page numbers."""
    spans = [(s, e) for s, e, _ in period_spans(text)]
    spans += [m.span() for m in PHONE_RE.finditer(text)]
    spans += [m.span() for m in PAGE_RE.finditer(text)]
    return spans


def spans_overlap(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


@functools.lru_cache(maxsize=4096)
def sentence_to_figures(text: str) -> tuple[Figure, ...]:
    """Every stated figure of a normalized sentence, in order (see the module docstring)."""
    excluded = excluded_spans(text)
    figures: list[Figure] = []
    for match in FIGURE_RE.finditer(text):
        figures.extend(match_to_figures(text, match, excluded))
    taken = [(f.start, f.end) for f in figures]
    for match in COLON_VALUE_RE.finditer(text):
        figure = colon_match_to_figure(text, match, excluded + taken)
        if figure is not None:
            figures.append(figure)
    taken = [(f.start, f.end) for f in figures]
    for match in DECIMAL_VALUE_RE.finditer(text):
        figure = decimal_match_to_figure(text, match, excluded + taken)
        if figure is not None:
            figures.append(figure)
    return tuple(add_uchi(text, sorted(figures, key=lambda f: f.start)))


def match_to_figures(text: str, match: re.Match[str], excluded: Sequence[tuple[int, int]]) -> list[Figure]:
    """The figure(s) of one pattern match (two for a range ``120~150万人``), or none when the
    number is part of a date, an item number, a code or a name."""
    number_start = match.start("sign") if match["sign"] else match.start("body")
    if not number_is_free(text, match, number_start, excluded):
        return []
    scale, unit = match["scale"] or "", match["unit"]
    out = []
    for group in ("body", "body2"):
        if match[group] is None:
            continue
        core = (match["sign"] or "") + match[group] + scale + unit
        _, amount = parse_qualified_amount(core)
        if amount is None:
            continue
        qualifiers = [q for q in (match["pre"], match["post"]) if q]
        out.append(
            Figure(
                start=match.start(),
                end=match.end(),
                number_start=match.start(group) if group == "body2" else number_start,
                value=amount.value,
                unit=UNIT_SPELLINGS.get(amount.unit or "", amount.unit),
                qualifier=";".join(QUALIFIER_SPELLINGS.get(q, q) for q in qualifiers) or None,
                printed=match.group().strip(),
            )
        )
    return out


def number_is_free(text: str, match: re.Match[str], number_start: int, excluded: Sequence[tuple[int, int]]) -> bool:
    """False for digits inside a period, phone or page number, after 第 / No / a letter (item
    numbers, codes) or a caption's 表 / 図 / 問, before 目 / 番 (ordinals), or a counter that goes
    on as a name."""
    if spans_overlap(number_start, match.end("body"), excluded):
        return False
    before = text[:number_start].rstrip(" \t") if not match["pre"] else text[: match.start()]
    if before and (before[-1] in _NOT_BEFORE_NUMBER or before[-1].isascii() and before[-1].isalpha()):
        return False
    if CAPTION_NUMBER_RE.search(before):
        return False
    if match["unit"] == "歳" and "." not in match["body"]:
        return False
    if match["pre"] in ("延", "計") and before and "\u4e00" <= before[-1] <= "\u9fff":
        return False  # 遅延3件: 延 ends a word here, it qualifies nothing
    after = text[match.end() : match.end() + 1]
    if after and after in _ORDINAL_AFTER:
        return False
    if match["unit"] in _ASCII_COUNTERS and after.isascii() and after.isalpha():
        return False
    return not (match["unit"] in NAME_COUNTERS and not match["post"] and after and _is_name_char(after))


def _is_name_char(ch: str) -> bool:
    """Kanji or katakana: what continues a name (3町連携地域), where kana particles do not."""
    return "\u4e00" <= ch <= "\u9fff" or "\u30a1" <= ch <= "\u30fa"


def colon_match_to_figure(text: str, match: re.Match[str], excluded: Sequence[tuple[int, int]]) -> Figure | None:
    """``出生率：1.32``: a unitless value after a Japanese label and a colon."""
    label_end = text[: match.start()].rstrip(" \t:：")
    if not label_end or not is_japanese(label_end[-1]):
        return None
    if spans_overlap(match.start("body"), match.end("body"), excluded):
        return None
    _, amount = parse_qualified_amount((match["sign"] or "") + match["body"])
    if amount is None:
        return None
    start = match.start("sign") if match["sign"] else match.start("body")
    return Figure(start, match.end(), start, amount.value, None, None, match.group().strip())


# A decimal without a unit after a Japanese word (合計特殊出生率「1.42」, 従属人口指数は55.1から):
# an index, a rate or a coefficient.
DECIMAL_VALUE_RE = re.compile(rf"(?<![\d.,])(?P<body>\d+\.\d+)(?![\d.,])(?![ \t]*(?:{_SCALE}|{_COUNTER_ALT}))")

_DECIMAL_AFTER = frozenset("「『(（はがのにでもと、")


def decimal_match_to_figure(text: str, match: re.Match[str], excluded: Sequence[tuple[int, int]]) -> Figure | None:
    """``出生率「1.42」``, ``指数は55.1``: a unitless decimal after a particle or an opening bracket
    (``地方創生2.0``, a name's number, is none)."""
    before = text[: match.start()].rstrip(" ")
    if not before or before[-1] not in _DECIMAL_AFTER or spans_overlap(match.start(), match.end(), excluded):
        return None  # after a tab: a cell of a chart or table left among the text
    _, amount = parse_qualified_amount(match["body"])
    if amount is None:
        return None
    return Figure(match.start(), match.end(), match.start(), amount.value, None, None, match.group())


_UCHI_CLAUSE_RE = re.compile(r"[、。,()（）\n]")


def add_uchi(text: str, figures: list[Figure]) -> list[Figure]:
    """``うち`` (of which) before the qualifiers of a figure whose clause, or the text since the
    previous figure, starts with it: ``うち市外：約1,200人`` -> ``うち;約``."""
    out = []
    previous_end = 0
    for figure in figures:
        clause_begin = max((m.end() for m in _UCHI_CLAUSE_RE.finditer(text, 0, figure.start)), default=0)
        clauses = (text[clause_begin : figure.start], text[previous_end : figure.start])
        if any(clause.lstrip(" \t-・•→").startswith("うち") for clause in clauses):
            figure = replace(figure, qualifier=";".join(["うち", *filter(None, [figure.qualifier])]))
        out.append(figure)
        previous_end = figure.end
    return out
