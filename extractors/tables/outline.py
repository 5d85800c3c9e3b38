"""Outline markers: how deep a printed label sits (公用文: 第1 > 1 > (1) > ① > ア > (ア) > a).

A table's row labels often carry their own nesting (``第1款 水道事業収益`` over ``第1項 営業収益``,
``1. 流動資産`` over ``(1) 現金及び預金``): the marker, not the column, says which label heads
which. ``outline_rank`` reads the marker, ``push_outline`` keeps the labels in force, and the row
predicates say which rows open an outline (a group row; a marked row over deeper ones).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.normalize.textnorm import strip_spacing
from extractors.tables.axis_periods import is_axis_label

# Outermost first; a label printed with a deeper marker than the one above it in the same
# column is its child.
OUTLINE_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^第\s*[0-9一二三四五六七八九十]+\s*(?:章|部|編)"),
    re.compile(r"^第?\s*[0-9一二三四五六七八九十]+\s*款"),
    re.compile(r"^第?\s*[0-9一二三四五六七八九十]+\s*項"),
    re.compile(r"^第?\s*[0-9一二三四五六七八九十]+\s*目"),
    re.compile(r"^第\s*[0-9]{1,2}(?![0-9款項目節章部編])"),
    re.compile(r"^[0-9]{1,2}(?:\s|[.．、](?!\d)|(?=[^\d\s.,:：/年月日%％歳人件円]))"),
    re.compile(r"^(?:[(（]\s*[0-9]{1,2}\s*[)）]|[⑴-⒇])"),
    re.compile(r"^[①-⑳]"),
    re.compile(r"^[ア-ン](?:\s+(?![ァ-ンー])|[.．、])"),
    re.compile(r"^[(（][ア-ン][)）]"),
    re.compile(r"^[a-z](?:\s|[.．)])"),
    re.compile(r"^うち\s*\S"),
)


def outline_rank(text: str) -> int | None:
    """How deep an outline marker puts a label (None: no marker); ``text`` as printed (the
    space after a kana marker tells it from a word), then without letter spacing (``う ち``)."""
    if is_axis_label(strip_spacing(text)):  # ``3 月``, ``28 年``: a period printed spaced out, no marker
        return None
    for candidate in (text, strip_spacing(text)):
        rank = next((rank for rank, pattern in enumerate(OUTLINE_MARKERS) if pattern.match(candidate)), None)
        if rank is not None:
            return rank
    return None


def push_outline(stack: tuple[tuple[int | None, str], ...], text: str, label: str) -> tuple[tuple[int | None, str], ...]:
    """The outline after a label: a marked label closes the labels of its level and deeper and
    opens below the rest; an unmarked label starts afresh."""
    rank = outline_rank(text)
    if rank is None:
        return ((None, label),)
    kept = tuple(entry for entry in stack if entry[0] is not None and entry[0] < rank)
    return (*kept, (rank, label))


SECTION_RANK = -1  # above every outline marker


def is_group_row(row: Sequence[str]) -> bool:
    """A row of one label starting with an outline marker (``1 活力ある…``, ``(1) 農林業``): a
    group of the body below, not a heading of the columns."""
    filled = [c for c in row if c]
    return len(set(filled)) == 1 and outline_rank(filled[0]) is not None


def heads_deeper_rows(slots: Sequence[Sequence[str]], r: int) -> bool:
    """A marked row with its figures over rows marked one level deeper (``第1款 水道事業収益
    723,805`` over ``第1項 営業収益 630,655``): the row below a lone label opens an outline."""
    if r + 1 >= len(slots):
        return False
    label, below = first_label(slots[r]), first_label(slots[r + 1])
    rank, rank_below = outline_rank(label), outline_rank(below)
    return rank is not None and rank_below is not None and rank_below > rank


def first_label(row: Sequence[str]) -> str:
    return next((c for c in row if c), "")


def heads_rows_below(slots: Sequence[Sequence[str]], r: int) -> bool:
    """A group row with rows of its group below: the next row is no group row of its level (a
    list of marked items, ``① …`` ``② …``, is rows, not groups)."""
    if not is_group_row(slots[r]) or r + 1 >= len(slots):
        return False
    below = slots[r + 1]
    if not is_group_row(below):
        return True
    rank_below = outline_rank(next(c for c in below if c))
    rank = outline_rank(next(c for c in slots[r] if c))
    return rank_below is not None and rank is not None and rank_below > rank
