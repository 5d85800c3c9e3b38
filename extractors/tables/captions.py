"""What a table prints around and over its numbers besides the headings: its units (a 単位
note above it, a unit in a heading, ``千円`` printed alone under one, or over a column's first
number) and its title (the nearest line above it that is a heading, not a unit note, a
sentence or a date line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.normalize.amounts import UNIT_WORDS
from extractors.normalize.periods import find_periods
from extractors.normalize.textnorm import nfkc_keep_marks
from extractors.tables.grid import LEADING_UNIT_RE, cell_to_text, is_placeholder_text, is_value_text

UNIT_NOTE_RE = re.compile(r"単位\s*[:：]?\s*(?P<units>[^)）\]】]+)")
UNIT_IN_HEADER_RE = re.compile(r"[(（]\s*(?P<label>単位\s*[:：]?\s*)?(?P<unit>[^()（）\d\s]{1,4})\s*[)）]\s*$")
BARE_UNIT_NOTE_RE = re.compile(r"[(（\[［【]\s*(?P<units>[^()（）\[\]［］【】\d]{1,12})\s*[)）\]］】]")
RATIO_HEADER_RE = re.compile(r"率|比(?!較)|割合|シェア|%|％|ポイント")
RATIO_UNITS = ("%", "％", "ポイント", "倍")
CONTEXT_UNIT_LINES = 3  # a 単位 note further up belongs to another table


def is_unit_note(text: str) -> bool:
    """``(単位：千円)``, ``単位 人``, ``(人)``: a cell or line that only says the unit."""
    if UNIT_NOTE_RE.search(text):
        return not UNIT_NOTE_RE.sub("", text).strip(" ()（）、,[]［］")
    return bool(note_to_units(text))


# --- units ----------------------------------------------------------------------------------------------


def note_to_units(text: str) -> list[str]:
    """``(単位：千円、％)`` -> [千円, %]; ``単位 人`` -> [人]; a bracketed unit alone, ``(人)``,
    ``［千円］`` -> [人], [千円]."""
    norm = nfkc_keep_marks(text).strip()
    match = UNIT_NOTE_RE.search(norm)
    bare = BARE_UNIT_NOTE_RE.fullmatch(norm)
    if match is None and bare is None:
        return []
    found = match["units"] if match is not None else bare["units"]  # type: ignore[index]
    parts = [p.strip("()（）:：") for p in re.split(r"[、,，・/／\s]+", found.strip())]
    if match is None and not all(p in UNIT_WORDS for p in parts if p):
        return []
    return [p for p in parts if p]


def table_units(context: Sequence[str], slots: Sequence[Sequence[str]], header_rows: int) -> list[str]:
    """The units a table's 単位 note names: in the nearest context lines, else a header cell."""
    for line in reversed(context[-CONTEXT_UNIT_LINES:]):
        units = note_to_units(line)
        if units:
            return units
    for row in slots[: max(header_rows, 1)]:
        for text in row:
            units = note_to_units(text)
            if units:
                return units
    return []


def column_unit(path: Sequence[str], units: Sequence[str]) -> str | None:
    """A column's unit: one its heading prints (``事業費（千円）``), else the table's, a ratio
    heading (構成比, 伸率 …) taking the table's ratio unit when the note names one."""
    for part in reversed(path):
        match = UNIT_IN_HEADER_RE.search(part)
        if match and (match["label"] or match["unit"] in UNIT_WORDS):
            return match["unit"]
    ratio = next((u for u in units if u in RATIO_UNITS), None)
    amount = next((u for u in units if u not in RATIO_UNITS), None)
    if ratio and any(RATIO_HEADER_RE.search(part) for part in path):
        return "%" if ratio == "％" else ratio
    return amount or ratio


def is_bare_unit(text: str) -> bool:
    """A header cell that is only a unit (``千円`` under 本年度予算額): the column's unit, no heading."""
    return text.replace(" ", "") in UNIT_WORDS


def column_header_unit(header: Sequence[str]) -> str | None:
    return next((text.replace(" ", "") for text in header if text and is_bare_unit(text)), None)


def column_printed_unit(cells: Sequence[str]) -> str | None:
    """The unit printed above the first number of a column (``千円`` over ``488,451``), which
    Excel-made tables print once for the whole column."""
    found = {m["unit"] for text in cells if (m := LEADING_UNIT_RE.match(text)) and m["unit"] in UNIT_WORDS}
    first = next((text for text in cells if text), "")
    if first in UNIT_WORDS:  # printed alone in the first row of figures, this column's figure left blank
        found.add(first)
    return found.pop() if len(found) == 1 else None


# --- title ------------------------------------------------------------------------------


TITLE_NOTE_RE = re.compile(r"\s*[(（][^()（）]*(?:単位|各年|年末|月末|現在|資料|出典|調査|台帳|統計|推計)[^()（）]*[)）]\s*$")
TITLE_PREFIX_RE = re.compile(
    r"^[\s\-・■□●◆◇▶▷※*~～]*(?:参考\s*[:：]?\s*)?"
    r"(?:\(\s*\d{1,2}\s*\)|\d{1,2}\s*[.)．]|[\u2460-\u2473]|表\s*\d+(?:-\d+)?\s*[.:：]?)?\s*"
)


def line_is_unit_note(line: str) -> bool:
    return is_unit_note(line)


def context_to_title_line(context: Sequence[str]) -> str | None:
    """The nearest context line that is a heading: not a unit note, bullet, sentence or a line
    of numbers (a chart's axis ticks printed above its data table: ``100.00 0.50 0.50``, with
    ``該当数値なし`` where a chart has no data)."""
    for line in reversed(context):
        text = cell_to_text(line)
        if not text or line_is_unit_note(text) or is_value_text(text) or is_placeholder_text(text) or is_dateline(text):
            continue
        if all(is_value_text(token) or is_placeholder_text(token) for token in text.split()):
            continue
        if text.startswith(("- ", "・")) or is_prose_line(text):
            continue
        return text
    return None


PROSE_MIN_LENGTH = 40  # a heading is shorter than this; a line of running text wraps at about it


def is_prose_line(text: str) -> bool:
    """A line of running text (a sentence, or a wrapped piece of one beside the table): it ends a
    sentence or holds one, it runs on with a comma, or it is as long as a text column's line."""
    compact = text.replace(" ", "")
    return "。" in compact or ("、" in compact and len(compact) > 20) or len(compact) >= PROSE_MIN_LENGTH


def is_dateline(text: str) -> bool:
    """A date with a word or two (``令和8年2月13日提出``, ``(令和6年4月1日現在)``): when or as of
    what the page was written, not what the table is."""
    rest = text
    for span, _ in find_periods(text):
        rest = rest.replace(span, "", 1)
    return rest != text and len(re.sub(r"[\s()（）]", "", rest)) <= 4


def line_to_title(line: str) -> str:
    """``(2) 人口の推移 (各年10月1日現在)`` -> ``人口の推移``; a unit note beside it goes too."""
    title = TITLE_PREFIX_RE.sub("", cell_to_text(line), count=1)
    previous = None
    while previous != title:
        previous, title = title, TITLE_NOTE_RE.sub("", title)
    title = title.strip(" ~～")
    return title.strip() or cell_to_text(line)


