"""Running text as sentences: lines classified as heading, caption or content, content lines
rejoined per paragraph and split at 。, each sentence with the program and caption it sits under.

A *heading* is a marked line (◆ ■ ○ …), a bracketed line (【…】 <…> 《…》), a numbered line
((1), 1., ①, 第1章) or a short one-line paragraph, none with a figure in it; the nearest one is the
figure's program. A *caption* is a heading-like line that labels the figures below it rather than
naming a program: it carries a period (``令和4年度実績``, ``【利用実績（R2.4.1～R4.3.31）】``) or
ends in a report word (実績, 状況 …); it lends its period, and its words as a last resort metric,
to the figures up to the next heading or caption.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from extractors.content.figures import normalize_sentence_text, period_spans, sentence_to_figures
from extractors.model.document import TextBlock
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance, provenance_union
from extractors.model.table import Table
from extractors.normalize.periods import ERAS
from extractors.normalize.textnorm import is_japanese, rejoin_broken_lines

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
    context_period: str | None = None  # the period its paragraph stated before it, else its lead's
    context_era: str | None = None  # the era (平成, 令和 …) its paragraph named last before it
    page_period: str | None = None  # the period of the caption that opens its page (平成30年度 決算報告)


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
    (nearest marked heading since the last plain heading, else that plain heading), the caption
    in force (cleared by any heading) and its context period: the last period stated by the
    sentences before it in its paragraph (a bulleted item not carrying its predecessors'), else by
    the *lead* in force (``text_is_lead``, up to the next heading)."""
    sentences: list[Sentence] = []
    section: Heading | None = None  # last plain heading
    marked: Heading | None = None  # last marked heading after it
    caption: Heading | None = None
    lead: str | None = None
    titles = page_titles(units)
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.kind in (UnitKind.HEADING, UnitKind.CAPTION):
            heading = text_to_heading(unit.text)
            if unit.kind == UnitKind.CAPTION:
                caption = heading
            else:
                section, marked = (section, heading) if unit.marked else (heading, None)
                caption = None
            lead = None
            i += 1
            continue
        j = i
        while j < len(units) and units[j].kind == UnitKind.CONTENT and units[j].block == unit.block:
            j += 1
        paragraph = rejoin_broken_lines("\n".join(u.text for u in units[i:j]))
        program = marked or section
        texts = paragraph_to_sentences(paragraph)
        carried, era = lead, None
        for text, lines in zip(texts, sentences_to_lines(units[i:j], texts), strict=True):
            if text[:1] in BULLETS + HEADING_MARKS:
                carried = lead  # a bulleted item states its own period
            source = provenance_union(u.source for u in lines)
            sentences.append(
                Sentence(text, program, caption, unit.line, unit.page, source,
                         context_period=carried, context_era=era, page_period=titles.get(unit.page))
            )  # fmt: skip
            carried = last_period(text) or carried
            era = last_era(text) or era
        if len(texts) == 1 and text_is_lead(texts[0]):
            lead = last_period(texts[0])
        i = j
    return sentences


def page_titles(units: Sequence[Unit]) -> dict[int, str]:
    """The period of each page opened by a caption that states one (``平成30年度 決算報告`` over the
    page's 【一般会計/歳入】 and 【一般会計/歳出】): the whole page is about it."""
    titles: dict[int, str] = {}
    seen: set[int] = set()
    for unit in units:
        if unit.page in seen:
            continue
        seen.add(unit.page)
        period = text_to_heading(unit.text).period if unit.kind == UnitKind.CAPTION else None
        if period:
            titles[unit.page] = period
    return titles


ERA_RE = re.compile(f"({'|'.join(ERAS)})")


def last_era(text: str) -> str | None:
    """The last era a text names (平成24年の… -> 平成)."""
    eras = ERA_RE.findall(text)
    return eras[-1] if eras else None


MAX_LEAD = 40


def text_is_lead(text: str) -> bool:
    """A short sentence of its own, not a list item, with a period and no figure, that announces
    what follows (``続きまして、令和８年度当初予算について説明いたします。``)."""
    return (
        len(text) <= MAX_LEAD
        and text.endswith("。")
        and text[:1] not in BULLETS + HEADING_MARKS
        and not sentence_to_figures(text)
        and last_period(text) is not None
    )


def last_period(text: str) -> str | None:
    """The last period a text states (None when it states none)."""
    spans = [p for _, _, p in period_spans(text) if p]
    return spans[-1] if spans else None


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
        out.append(
            [u for u, end, begin in zip(lines, ends, [0, *ends[:-1]], strict=True) if begin < stop and end > start] or lines
        )
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
