"""A layout-text table continued over pages, every page moved onto the first page's columns: a
layout tool puts each page's text at its own left margin and sizes its character grid by the
page, so a page's columns can be shifted, printed at another pitch, or spaced unevenly.

    page shift: the shift that puts most of the page's tokens inside the columns   ``page_fit``
    pitch: a scale and offset fitted to the page's values and marks               ``page_scale``
    snaps: the page's value columns matched one to one in order to the first's     ``value_snaps``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from extractors.model.document import Line
from extractors.tables.text_tokens import Column, Token, anchors_to_columns, match_in_order

MIN_VALUES = 3  # values a page needs for its pitch to be fitted, value columns for them to be snapped
PAGE_SHIFTS = range(-30, 31)  # text columns a page's left margin may differ by
PAGE_SCALES = np.exp(np.linspace(np.log(0.4), np.log(2.5), 181))  # a page's character pitch against the first page's
PAGE_OFFSETS = np.arange(-80.0, 80.5, 0.5)  # text columns, after scaling
SCALE_GAIN = 1.5  # a scaled page must put this many times more of its values in the columns
SCALE_FIT = 0.9  # and this share of them at least


def first_page_anchors(anchors: Sequence[int], lines: dict[int, Line]) -> list[int]:
    """The rows of the table's first page (where its header is): a layout tool spaces every
    page its own way, so the columns come from one page and the rows of the others are moved
    to them (``pages_aligned``) and matched to them in order."""
    first = lines[anchors[0]].page
    return [n for n in anchors if lines[n].page == first]


def pages_aligned(text: Sequence[Line], anchors: Sequence[int], tokens: dict[int, tuple[Token, ...]]) -> dict[int, tuple[Token, ...]]:
    """Tokens of a table continued over pages, every page moved to the first page's columns:
    a layout tool puts each page's text at its own left margin."""
    pages: dict[int, list[int]] = {}
    page_of = {line.number: line.page for line in text}
    for n in anchors:
        pages.setdefault(page_of[n], []).append(n)
    if len(pages) < 2:
        return tokens
    first, *rest = sorted(pages)
    columns = anchors_to_columns([tokens[n] for n in pages[first]])
    value_columns = anchors_to_columns([[t for t in tokens[n] if t.is_value] for n in pages[first]])
    out = dict(tokens)
    for page in rest:
        rows = [tokens[n] for n in pages[page]]
        shift = min(PAGE_SHIFTS, key=lambda d: (-page_fit(rows, columns, d), abs(d)))
        scale, offset = page_scale(rows, value_columns, shift)
        snaps = value_snaps(rows, [tokens[n] for n in pages[first]], scale, offset)
        if shift or scale != 1.0 or snaps:
            for line in text:
                if line.page == page:
                    out[line.number] = tuple(moved_token(t, shift, scale, snaps) for t in tokens[line.number])
    return out


Snaps = list[tuple[Column, float]]  # a value column of a page and where its centre goes on the first page


def value_snaps(rows: Sequence[Sequence[Token]], first_rows: Sequence[Sequence[Token]], scale: float, offset: float) -> Snaps:
    """The page's value columns (marks and numbers: placed where the page prints them, unlike
    compressed words), scaled and matched in order one to one to the first page's value columns
    (``match_in_order``): a layout tool spaces a page's columns unevenly, so the scale alone can
    leave a column one off; each is moved onto the centre of its match. When the page has more
    value columns than the first (a right-aligned count sits beside the mark column above it by
    an amount that depends on the page's pitch), marks and numbers are matched apart. A page at
    the first page's pitch is snapped only when it has as many value columns as the first (at
    least ``MIN_VALUES``): then their order alone pairs them, where a shift that fits every
    value can still be a column off (a page of few rows, its marks on a regular pitch)."""
    for kinds in ((is_value,), (is_mark, is_number)):
        out: Snaps = []
        for kind in kinds:
            own = anchors_to_columns([[t for t in row if kind(t)] for row in rows])
            first = anchors_to_columns([[t for t in row if kind(t)] for row in first_rows])
            if len(own) >= MIN_VALUES and (len(own) == len(first) or (scale != 1.0 and len(own) < len(first))):
                matched = match_in_order([c.center * scale + offset for c in own], [c.center for c in first])
                out += [(c, first[k].center) for c, k in zip(own, matched, strict=True)]
        if out:
            return out
    return []


def is_value(token: Token) -> bool:
    return token.is_value


def is_mark(token: Token) -> bool:
    return token.is_value and not any(ch.isdigit() for ch in token.text)


def is_number(token: Token) -> bool:
    return token.is_value and any(ch.isdigit() for ch in token.text)


def moved_token(token: Token, shift: int, scale: float, snaps: Snaps) -> Token:
    """A token of a page moved to the first page's columns: a value onto its snapped column;
    on a page printed at another pitch, a token among the snapped columns by the line through
    its neighbours' snaps and one right of them from the last at the page's scale; any other
    token (labels, names: compressed words the scale does not fit) by the page's shift."""
    width = token.end - token.start
    if token.is_value:
        for column, center in snaps:  # a column holds one kind of token
            if column.start <= token.start and token.end <= column.end:
                return Token(token.text, round(token.start + center - column.center), round(token.start + center - column.center) + width)
    points = sorted((column.center, center) for column, center in snaps)
    if not points or token.center < points[0][0] or (scale == 1.0 and not token.is_value):
        return Token(token.text, token.start + shift, token.end + shift)
    if token.center > points[-1][0]:
        center = points[-1][1] + (token.center - points[-1][0]) * scale
    else:
        center = float(np.interp(token.center, [p for p, _ in points], [c for _, c in points]))
    start = round(center - width / 2)
    return Token(token.text, start, start + width)


def page_scale(rows: Sequence[Sequence[Token]], value_columns: Sequence[Column], shift: int) -> tuple[float, float]:
    """(scale, offset) moving a page's text columns to the first page's: ``(1, shift)`` unless
    the page is printed at another pitch (a layout tool sizes each page's character grid by the
    page): then the scale and offset that put most of its values and marks (placed where the
    page prints them, unlike compressed Japanese words) within a text column of the first
    page's value columns, when that is at least ``SCALE_FIT`` of them and ``SCALE_GAIN`` times
    as many as the shift alone puts there."""
    centers = np.array([(t.start + t.end) / 2 for row in rows for t in row if t.is_value])
    if len(centers) < MIN_VALUES or not value_columns:
        return 1.0, float(shift)
    starts = np.array([c.start for c in value_columns], dtype=float) - 1
    ends = np.array([c.end for c in value_columns], dtype=float) + 1

    def fits(scale: np.ndarray, offset: np.ndarray) -> np.ndarray:
        x = centers[None, None, :] * scale[:, None, None] + offset[None, :, None]
        k = np.clip(np.searchsorted(starts, x, side="right") - 1, 0, len(starts) - 1)
        return ((x >= starts[k]) & (x <= ends[k])).sum(axis=2)

    base = int(fits(np.array([1.0]), np.array([float(shift)]))[0, 0])
    scores = fits(PAGE_SCALES, PAGE_OFFSETS)
    best = np.unravel_index(np.argmax(scores), scores.shape)
    if scores[best] < max(base * SCALE_GAIN, SCALE_FIT * len(centers)):
        return 1.0, float(shift)
    return float(PAGE_SCALES[best[0]]), float(PAGE_OFFSETS[best[1]])


def page_fit(rows: Sequence[Sequence[Token]], columns: Sequence[Column], shift: int) -> int:
    """How much of a page's tokens, moved by ``shift``, lies inside the columns (text columns
    overlapped, a token over two columns counting for none)."""
    total = 0
    for row in rows:
        for t in row:
            overlaps = [min(t.end + shift, c.end) - max(t.start + shift, c.start) for c in columns]
            hits = [o for o in overlaps if o > 0]
            total += hits[0] if len(hits) == 1 else 0
    return total
