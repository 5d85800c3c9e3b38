"""Figures stated in running text (``相談件数 120件``) -> ``metrics`` rows.

The recipe, one small function per step:

    text blocks -> units: heading, caption or content lines      ``items_to_units``
                -> sentences with their program and caption      ``units_to_sentences``
                -> figures, by a cheap regular expression        ``sentence_to_figures``
                -> labels read with SudachiPy alone                ``label_metric``
                -> one batched GiNZA parse (tok2vec + parser) of the sentences holding a figure
                   without a label
                -> metric, period, qualifier per figure          ``parsed_metric`` …
                -> MetricRow

A *heading* is a marked line (◆ ■ ○ …), a bracketed line (【…】 <…> 《…》), a numbered line
((1), 1., ①, 第1章) or a short one-line paragraph, none with a figure in it; the nearest one is the
figure's program. A *caption* is a heading-like line that labels the figures below it rather than
naming a program: it carries a period (``令和4年度実績``, ``【利用実績（R2.4.1～R4.3.31）】``) or
ends in a report word (実績, 状況 …); it lends its period, and its words as a last resort metric,
to the figures up to the next heading or caption.

A *figure* is a number with a counter or unit (件, 人, 千円, %, 市町村 …) or a number after a
``label：``; years, dates, item numbers (第3期, (1), ①), page and phone numbers are no figures,
and a counter that is part of a name (``東部3町連携地域``) is none either. Letter-spaced digits
(``1 2 地域``) are read as one number.

The metric is found in this order: the label printed right before the figure (``相談件数 120件``,
``相談件数は120件``, ``初級コース : 8名``); the dependency parse (``延べ2,400人が参加`` ->
the predicate 参加, ``25件の相談`` -> 相談, ``講座を3回開催`` -> 講座開催, ``利用者数は1,250人で``
-> the subject 利用者数); the nearest preceding noun compound in the sentence; the caption.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document, TextBlock
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, provenance_union
from extractors.model.table import Table
from extractors.normalize import nlp
from extractors.normalize.amounts import parse_qualified_amount
from extractors.normalize.periods import find_periods
from extractors.normalize.textnorm import is_japanese, nfkc_keep_marks, rejoin_broken_lines
from schemas.tables import MetricRow

NLP_COMPONENTS = ("tok2vec", "parser")  # tokens, tags and dependencies: all the metric rules use

# --- figures --------------------------------------------------------------------------------------

# Counters and units, longest first in the pattern. Years (年), months, days and ages (歳) are
# left out on purpose: they are dates or conditions, not stated figures.
COUNTERS = (
    "市区町村", "市町村", "町村", "市町", "市", "町", "村", "区", "都市", "地域", "圏域", "地区",
    "件", "人", "名", "者", "社", "団体", "事業", "施設", "箇所", "か所", "ヶ所", "カ所", "所",
    "回", "校", "世帯", "戸", "台", "隻", "機", "本", "冊", "部", "点", "品目", "品", "種類", "種",
    "項目", "店舗", "店", "棟", "床", "人日", "人泊", "泊", "日間", "時間", "か月", "ヶ月", "カ月",
    "週間", "つ", "組", "チーム", "グループ", "コース", "プロジェクト", "円", "ドル",
    "%", "ポイント", "倍", "割", "ha", "ヘクタール", "km", "m2", "m3", "m", "kg", "t", "トン",
    "kW", "kWh", "MW", "GWh", "千kWh",
)  # fmt: skip
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
    rf"(?P<sign>[▲△]|マイナス)?[ \t]*"
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


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
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
                unit=amount.unit,
                qualifier=";".join(QUALIFIER_SPELLINGS.get(q, q) for q in qualifiers) or None,
                printed=match.group().strip(),
            )
        )
    return out


def number_is_free(text: str, match: re.Match[str], number_start: int, excluded: Sequence[tuple[int, int]]) -> bool:
    """False for digits inside a period, phone or page number, after 第 / No / a letter (item
    numbers, codes), before 目 / 番 (ordinals), or a counter that goes on as a name."""
    if _overlaps(number_start, match.end("body"), excluded):
        return False
    before = text[:number_start].rstrip(" \t") if not match["pre"] else text[: match.start()]
    if before and (before[-1] in _NOT_BEFORE_NUMBER or before[-1].isascii() and before[-1].isalpha()):
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
    if _overlaps(match.start("body"), match.end("body"), excluded):
        return None
    _, amount = parse_qualified_amount((match["sign"] or "") + match["body"])
    if amount is None:
        return None
    start = match.start("sign") if match["sign"] else match.start("body")
    return Figure(start, match.end(), start, amount.value, None, None, match.group().strip())


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


# --- headings, captions and sentences ------------------------------------------------------------

HEADING_MARKS = "◆◇■□●○◎▼▽▶▷►★☆♦"
BRACKETS = {"【": "】", "<": ">", "〈": "〉", "《": "》", "[": "]", "≪": "≫", "«": "»"}
NUMBERED_RE = re.compile(
    r"^(?:[(（]\s*(?:\d{1,2}|[A-Za-zア-ン]|[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|\d{1,2}(?:\s*[.．]\s*|\s+)(?=[^\d\s.])"
    r"|[\u2460-\u2473]"
    r"|第\s*\d+\s*[章節部編]"
    r"|[IVX]{1,4}[.．]?\s+)"
)
BULLETS = "-‐・•‣◦→⇒*※"
REPORT_WORDS = ("実績", "状況", "推移", "内訳", "結果", "現在", "時点", "見込み", "見込", "予算", "決算", "等")
MAX_HEADING = 60
MAX_PLAIN_HEADING = 40
MAX_CAPTION = 40


class UnitKind(StrEnum):
    HEADING = "heading"
    CAPTION = "caption"
    CONTENT = "content"


@dataclass(frozen=True)
class Unit:
    """One classified line of a text block (content lines of one paragraph are rejoined later)."""

    kind: UnitKind
    text: str  # normalized
    block: int
    line: int
    page: int
    marked: bool = False  # heading with a mark, bracket or number (not a plain short line)
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # where the line was printed


@dataclass(frozen=True)
class Heading:
    text: str  # without its mark, bracket or number
    period: str | None


@dataclass(frozen=True)
class Sentence:
    """A sentence with figures: its normalized text, program, caption and where it was read."""

    text: str
    program: Heading | None
    caption: Heading | None
    line: int
    page: int
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # the lines it was read from


def strip_heading_mark(text: str) -> str:
    """``◆移住相談`` -> ``移住相談``; ``【就労支援】`` -> ``就労支援``; ``(1) 移住`` -> ``移住``."""
    stripped = text.strip()
    if stripped[:1] in BRACKETS and stripped.endswith(BRACKETS[stripped[0]]):
        return stripped[1:-1].strip()
    if stripped[:1] in HEADING_MARKS:
        return stripped.lstrip(HEADING_MARKS + " ").strip()
    numbered = NUMBERED_RE.match(stripped)
    return stripped[numbered.end() :].strip() if numbered else stripped


def line_is_marked_heading(text: str) -> bool:
    """A marked, bracketed or numbered short line without a figure, a sentence end or a
    ``label：value`` (that is a list item)."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_HEADING or stripped.endswith("。"):
        return False
    bracketed = stripped[:1] in BRACKETS and stripped.endswith(BRACKETS[stripped[0]])
    marked = stripped[:1] in HEADING_MARKS or bracketed or bool(NUMBERED_RE.match(stripped))
    label_value = re.search(r"[:：]\s*\S", strip_heading_mark(stripped)) is not None  # ○区分：A、B
    return marked and not label_value and bool(strip_heading_mark(stripped)) and not sentence_to_figures(stripped)


def line_is_plain_heading(text: str) -> bool:
    """A short line standing alone, with no sentence punctuation, bullet or figure."""
    stripped = text.strip()
    return (
        0 < len(stripped) <= MAX_PLAIN_HEADING
        and not any(ch in stripped for ch in "。、")
        and stripped[0] not in BULLETS
        and any(is_japanese(ch) for ch in stripped)
        and not sentence_to_figures(stripped)
    )


def line_is_caption(text: str) -> bool:
    """A heading-like line labelling the figures below it: a period or a report word, no figure,
    little else (``令和4年度実績``, ``<登録件数及び利用実績等>``)."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_CAPTION or stripped.endswith("。") or stripped[0] in BULLETS:
        return False
    if sentence_to_figures(stripped):
        return False
    inner = strip_heading_mark(stripped)
    bracketed = stripped[:1] in BRACKETS
    has_period = bool(period_spans(inner))
    rest = remove_periods(inner)
    reports = rest.endswith(REPORT_WORDS)
    if has_period:
        return bracketed or reports or len(rest) <= 12
    return bracketed and reports


def remove_periods(text: str) -> str:
    """The text without its period expressions and the brackets left empty by their removal."""
    out = text
    for start, end, _ in reversed(period_spans(text)):
        out = out[:start] + out[end:]
    out = re.sub(r"[(（\[【<〈]\s*[)）\]】>〉]", "", out)
    return out.strip(" \t")


def text_to_heading(text: str) -> Heading:
    inner = strip_heading_mark(text)
    spans = period_spans(inner)
    return Heading(inner, spans[0][2] if spans and spans[0][2] else None)


def items_to_units(items: Sequence[TextBlock | Table]) -> list[Unit]:
    """Classify every line of the text blocks, in document order."""
    units: list[Unit] = []
    for index, block in enumerate(items):
        if not isinstance(block, TextBlock):
            continue
        lines = [line for line in block.lines if not line.is_blank]
        for line in lines:
            text = normalize_sentence_text(line.text).strip()
            previous_marked = bool(units) and units[-1].kind == UnitKind.HEADING and units[-1].marked
            units.append(
                Unit(
                    line_to_kind(text, len(lines) == 1, previous_marked),
                    text,
                    index,
                    line.number,
                    line.page,
                    marked=line_is_marked_heading(text),
                    source=lines_to_provenance([line]),
                )
            )
    return units


def line_to_kind(text: str, alone: bool, after_marked_heading: bool) -> UnitKind:
    """Caption, heading or content. A plain line alone in its paragraph is a heading, unless it
    follows a marked heading (then it is that heading's description); a line of cells (tab
    separated: a table's row left among the text) names no program."""
    if "\t" in text:
        return UnitKind.CONTENT
    if line_is_caption(text):
        return UnitKind.CAPTION
    if line_is_marked_heading(text):
        return UnitKind.HEADING
    if alone and not after_marked_heading and line_is_plain_heading(text):
        return UnitKind.HEADING
    return UnitKind.CONTENT


def units_to_sentences(units: Sequence[Unit]) -> list[Sentence]:
    """Content lines rejoined per paragraph and split at 。, each with the program it sits under
    (nearest marked heading since the last plain heading, else that plain heading) and the
    caption in force (cleared by any heading)."""
    sentences: list[Sentence] = []
    section: Heading | None = None  # last plain heading
    marked: Heading | None = None  # last marked heading after it
    caption: Heading | None = None
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.kind == UnitKind.HEADING:
            heading = text_to_heading(unit.text)
            section, marked = (section, heading) if unit.marked else (heading, None)
            caption = None
            i += 1
            continue
        if unit.kind == UnitKind.CAPTION:
            caption = text_to_heading(unit.text)
            i += 1
            continue
        j = i
        while j < len(units) and units[j].kind == UnitKind.CONTENT and units[j].block == unit.block:
            j += 1
        paragraph = rejoin_broken_lines("\n".join(u.text for u in units[i:j]))
        program = marked or section
        texts = paragraph_to_sentences(paragraph)
        for text, lines in zip(texts, sentences_to_lines(units[i:j], texts), strict=True):
            sentences.append(Sentence(text, program, caption, unit.line, unit.page, provenance_union(u.source for u in lines)))
        i = j
    return sentences


def sentences_to_lines(lines: Sequence[Unit], sentences: Sequence[str]) -> list[Sequence[Unit]]:
    """The lines each sentence of a paragraph was rejoined from. Rejoining and splitting drop
    only white space, so the sentences' other characters follow the lines' in order; where they
    do not (a count differs), every sentence gets all the paragraph's lines."""
    ends, total = [], 0
    for unit in lines:
        total += len(_non_space(unit.text))
        ends.append(total)
    lengths = [len(_non_space(text)) for text in sentences]
    if sum(lengths) != total:
        return [lines] * len(sentences)
    out, start = [], 0
    for n in lengths:
        stop = start + n
        out.append([u for u, end, begin in zip(lines, ends, [0, *ends[:-1]], strict=True) if begin < stop and end > start] or lines)
        start = stop
    return out


def _non_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def paragraph_to_sentences(paragraph: str) -> list[str]:
    """Lines (breaks kept by rejoining are real) split after 。."""
    out = []
    for line in paragraph.split("\n"):
        out.extend(part.strip() for part in re.split(r"(?<=。)", line) if part.strip())
    return out


# --- metric ---------------------------------------------------------------------------------------

_CLAUSE_SEPARATORS = "、。,;【】[]"
_LABEL_LEAD = BULLETS + HEADING_MARKS + " \t:：=＝"
_LABEL_TRAIL = " \t:：=＝→はがも"
_LEADING_PERIOD_REST_RE = re.compile(r"^(?:末|時点|現在|当初|中)*(?:の|に|で|は|も|には|では)?")
MAX_LABEL = 30
FREQUENCY_WORDS = frozenset({"年", "月", "週", "日", "年間", "毎年", "毎月", "月間", "週間"})
_LEADING_QUALIFIER_RE = re.compile(rf"^(?:{'|'.join(PREFIX_QUALIFIERS)})")


def mask_periods(text: str) -> str:
    """``text`` with period expressions (and the brackets they leave empty) blanked by NULs,
    keeping every index."""
    chars = list(text)
    for start, end, _ in period_spans(text):
        chars[start:end] = "\0" * (end - start)
    masked = "".join(chars)
    return re.sub(r"[(（\[【<〈][\0 ]*[)）\]】>〉]", lambda m: "\0" * len(m.group()), masked)


def label_before(masked: str, figure: Figure, previous_end: int) -> tuple[str, int] | None:
    """The label printed right before the figure, and the index of its last character.

    Starts after the last clause separator or the previous figure; periods, bullets, ``うち``,
    colons and a trailing は / が are not part of it; only its last space-separated word is kept
    (``2回開催 参加者 35名`` -> 参加者), and 末 / の left by a period go (``令和4年度末の``).
    """
    start = max(previous_end, clause_start(masked, figure.start))
    end = start + len(masked[start : figure.start].rstrip(_LABEL_TRAIL + "\0"))
    words = re.split(r"[ \t]+", masked[start:end].strip(" \t"))
    word = words[-1] if words else ""
    after_period = "\0" in word
    label = word.rsplit("\0", 1)[-1].lstrip(_LABEL_LEAD)
    if label.startswith("うち"):
        label = label[2:]
    if after_period:
        label = _LEADING_PERIOD_REST_RE.sub("", label, count=1)
    if _LEADING_QUALIFIER_RE.sub("", label) in FREQUENCY_WORDS:
        return None  # 年3回: a rate, not what is counted
    if not label or len(label) > MAX_LABEL or not any(is_japanese(ch) or ch.isalpha() for ch in label):
        return None
    return label, end - 1


def clause_start(text: str, index: int) -> int:
    """Where the clause holding ``index`` starts: after the last 、 。 or bracket still open at
    ``index`` (a bracket closed before it is part of the label: ``計画(案)作成団体``)."""
    depth = 0
    for i in range(index - 1, -1, -1):
        ch = text[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            if depth == 0:
                return i + 1
            depth -= 1
        elif ch in _CLAUSE_SEPARATORS and depth == 0:
            return i + 1
    return 0


_COORDINATORS = frozenset({"と", "や", "及び", "および", "並びに", "又は", "または"})


def label_after_coordinator(doc: Any, label: str, last: int) -> str:
    """``町内会と商店街`` -> ``商店街``: of nouns joined by と / や, the one next to the figure."""
    first = last - len(label) + 1
    cut = [
        t
        for t in doc
        if first <= t.idx and t.idx + len(t.text) <= last and t.text in _COORDINATORS and t.tag_.startswith(("助詞", "接続詞"))
    ]
    return label[cut[-1].idx + len(cut[-1].text) - first :] if cut else label


_NOUN_TAGS = ("名詞", "接尾辞-名詞的", "接頭辞")


def token_is_noun(token: Any) -> bool:
    tag = token.tag_
    return tag.startswith(_NOUN_TAGS) and not tag.startswith("名詞-数詞")


def token_at(doc: Any, index: int) -> Any | None:
    for token in doc:
        if token.idx <= index < token.idx + len(token.text):
            return token
    return None


def compound_text(doc: Any, head: Any, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The noun compound ending at ``head``: contiguous nouns (and ・ between them) to its left."""
    if not token_is_noun(head) or _overlaps(head.idx, head.idx + len(head.text), blocked):
        return None
    first = head.i
    while first > 0:
        prev = doc[first - 1]
        inside = _overlaps(prev.idx, prev.idx + len(prev.text), blocked)
        part = token_is_noun(prev) or prev.tag_.startswith("形状詞")  # 新規 in 新規登録者数
        if inside or prev.whitespace_ or not (part or prev.text == "・" and first - 2 >= 0 and token_is_noun(doc[first - 2])):
            break
        first -= 1
    return doc[first : head.i + 1].text.strip() or None


def figure_tokens(doc: Any, figure: Figure) -> list[Any]:
    return [t for t in doc if t.idx < figure.end and figure.number_start < t.idx + len(t.text)]


def _dep(token: Any) -> str:
    return token.dep_.split("_")[0]


def dependency_metric(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The metric from the parse: the subject of the predicate the figure is (or attaches to),
    the noun it modifies (``25件の相談``), or the predicate itself when the figure is its
    subject (``延べ2,400人が参加``); a verbal predicate with an object gives both (講座開催)."""
    tokens = figure_tokens(doc, figure)
    if not tokens:
        return None
    indexes = {t.i for t in tokens}
    anchor = next((t for t in reversed(tokens) if t.head.i not in indexes or t.head.i == t.i), tokens[-1])
    subject = _child(anchor, "nsubj", indexes, blocked)
    if subject is not None:
        return compound_text(doc, subject, blocked)
    if anchor.head.i == anchor.i:
        return None
    head, dep = anchor.head, _dep(anchor)
    if dep == "nsubj":
        return compound_text(doc, head, blocked) or head.lemma_ or None
    if dep in ("nmod", "compound") and head.i > anchor.i and token_is_noun(head) and _has_case(anchor, "の"):
        return compound_text(doc, head, blocked)
    for _ in range(3):  # up through subordinate predicates (…増え、58人となった)
        subject = _child(head, "nsubj", indexes, blocked)
        if subject is not None:
            return compound_text(doc, subject, blocked)
        obj = _child(head, "obj", indexes, blocked)
        if obj is not None:
            target = compound_text(doc, obj, blocked)
            verbal = "サ変" in head.tag_
            return f"{target}{head.text}" if target and verbal else target
        if _dep(head) not in ("advcl", "conj") or head.head.i == head.i:
            break
        head = head.head
    return None


def _child(token: Any, dep: str, exclude: set[int], blocked: Sequence[tuple[int, int]]) -> Any | None:
    """The first child with relation ``dep`` that is neither in the figure nor a period (H30は)."""
    return next(
        (
            c
            for c in token.children
            if _dep(c) == dep and c.i not in exclude and not _overlaps(c.idx, c.idx + len(c.text), blocked)
        ),
        None,
    )


def _has_case(token: Any, case: str) -> bool:
    return any(c.dep_ == "case" and c.text == case for c in token.children)


def preceding_compound(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The nearest noun compound before the figure in the sentence, other figures and periods
    skipped."""
    for token in reversed([t for t in doc if t.idx + len(t.text) <= figure.start]):
        if (
            _overlaps(token.idx, token.idx + len(token.text), blocked)
            or not token_is_noun(token)
            or token.text in FREQUENCY_WORDS
        ):
            continue
        return compound_text(doc, token, blocked)
    return None


def caption_metric(caption: Heading | None) -> str | None:
    """The caption's words without its period: ``令和4年度 貸出実績`` -> ``貸出実績``."""
    if caption is None:
        return None
    rest = _LEADING_PERIOD_REST_RE.sub("", remove_periods(caption.text).strip(), count=1).strip()
    return rest or None


@dataclass(frozen=True)
class Morph:
    """A SudachiPy morpheme with its offset: enough for the label rule, no parse needed."""

    text: str
    idx: int
    tag_: str


def sentence_to_morphs(text: str) -> list[Morph]:
    """Morphemes of ``text`` with offsets and GiNZA-style tags (名詞-普通名詞-一般)."""
    out, idx = [], 0
    for m in nlp.tokens(text, use="metrics-morphology"):
        out.append(Morph(m.surface, idx, "-".join(p for p in m.pos[:4] if p != "*")))
        idx += len(m.surface)
    return out


def label_metric(morphs: Sequence[Any], figure: Figure, figures: Sequence[Figure], masked: str) -> str | None:
    """The label rule (first rule of the module docstring): a label ending in a noun."""
    previous_end = max((f.end for f in figures if f.end <= figure.start), default=0)
    found = label_before(masked, figure, previous_end)
    if found is None:
        return None
    label, last = found
    token = token_at(morphs, last)
    if token is None or not token_is_noun(token):
        return None
    return label_after_coordinator(morphs, label, last) or label


def parsed_metric(sentence: Sentence, doc: Any, figure: Figure, figures: Sequence[Figure]) -> str | None:
    """The other rules, in order: dependency parse, nearest preceding noun compound, caption."""
    blocked = [(s, e) for s, e, _ in period_spans(sentence.text)] + [(f.start, f.end) for f in figures]
    return dependency_metric(doc, figure, blocked) or preceding_compound(doc, figure, blocked) or caption_metric(sentence.caption)


# --- period -------------------------------------------------------------------------------------


def figure_to_period(sentence: Sentence, figure: Figure, figures: Sequence[Figure] = ()) -> str | None:
    """A period in brackets right after the figure (``12箇所（R5.4.1 現在）``), else the nearest
    one before it in the sentence that does not annotate another figure that way, else the first
    such one after it (``…を受け付けた（R4）。``), else the caption's, else the program heading's."""
    spans = [s for s in period_spans(sentence.text) if s[2]]
    own = annotating_period(sentence.text, figure, spans)
    if own is not None:
        return own[2]
    others = {annotating_period(sentence.text, f, spans) for f in figures if f is not figure}
    for span in reversed(spans):
        if span[1] <= figure.start and span not in others:
            return span[2]
    for span in spans:
        if span[0] >= figure.end and span not in others:
            return span[2]
    for heading in (sentence.caption, sentence.program):
        if heading is not None and heading.period:
            return heading.period
    return None


def annotating_period(text: str, figure: Figure, spans: Sequence[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """The period opening the bracket printed right after ``figure``, if any."""
    after = re.match(r"[ \t]*[(（][ \t]*", text[figure.end :])
    if after is None:
        return None
    opening = figure.end + after.end()
    return next((span for span in spans if span[0] == opening), None)


# --- extractor ----------------------------------------------------------------------------------


def sentences_to_rows(doc_id: str, sentences: Sequence[Sentence]) -> list[MetricRow]:
    """Figures of every sentence as rows. Labels are read with SudachiPy alone; GiNZA parses, in
    one batch, only the sentences holding a figure that has no label."""
    with_figures = [(s, figs) for s in sentences if (figs := sentence_to_figures(s.text))]
    labels = [sentence_labels(s, figs) for s, figs in with_figures]
    to_parse = [s.text for (s, _), found in zip(with_figures, labels, strict=True) if None in found]
    parsed = iter(nlp.parse(to_parse, components=NLP_COMPONENTS, use="metrics") if to_parse else [])
    rows: list[MetricRow] = []
    for (sentence, figures), found in zip(with_figures, labels, strict=True):
        doc = next(parsed) if None in found else None
        for figure, label in zip(figures, found, strict=True):
            metric = label if label is not None else parsed_metric(sentence, doc, figure, figures)
            rows.append(
                MetricRow(
                    doc_id=doc_id,
                    row=len(rows),
                    program=sentence.program.text if sentence.program else None,
                    metric=metric,
                    value=figure.value,
                    unit=figure.unit,
                    period=figure_to_period(sentence, figure, figures),
                    qualifier=figure.qualifier,
                    text=sentence.text,
                    **sentence.source.columns(),
                )
            )
    return rows


def sentence_labels(sentence: Sentence, figures: Sequence[Figure]) -> list[str | None]:
    morphs = sentence_to_morphs(sentence.text)
    masked = mask_periods(sentence.text)
    return [label_metric(morphs, figure, figures, masked) for figure in figures]


class MetricsExtractor(Extractor):
    """Figures in running text (text blocks) -> ``metrics``."""

    name = "metrics"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        period_spans.cache_clear()  # the caches serve one document: its lines are asked for repeatedly
        sentence_to_figures.cache_clear()
        sentences = units_to_sentences(items_to_units(document.items))
        return Extraction(metrics=tuple(sentences_to_rows(document.doc_id, sentences)))
