"""Pages printed in two columns (広報 newsletters, reports set like magazines): read the left
column before the right one.

pdfplumber gives words with positions; grouped by their height on the page, a line of the left
column and the line of the right column beside it become one line, and lines of the two columns
alternate. A two-column page has a gutter: an x that the prose lines of both columns stop short
of and start after, which no line of the body crosses. Lines that do cross it (a title over both
columns) separate bands; within a band the left column is read first.

Only prose decides: both sides must hold lines of running text (a form whose short labels sit
left of their values at a wide gap is one column of label / value pairs, a table for the text
route, not two columns).
"""

from __future__ import annotations

from collections.abc import Sequence

GUTTER_RANGE = (0.3, 0.7)  # where on the page's width a gutter may lie
GUTTER_STEP = 2.0  # points between gutters tried
MIN_SIDE_LINES = 5  # lines of prose on each side of a gutter
MIN_PROSE_CHARS = 12  # a line part of at least this many characters is running text
MAX_CROSSING_SHARE = 0.15  # of the lines, at most this share may cross the gutter (titles)


def line_crosses(words: Sequence[dict], x: float) -> bool:
    return any(w["x0"] < x < w["x1"] for w in words)


def line_sides(words: Sequence[dict], x: float) -> tuple[list[dict], list[dict]]:
    return [w for w in words if w["x1"] <= x], [w for w in words if w["x0"] >= x]


def chars(words: Sequence[dict]) -> int:
    return sum(len(w["text"]) for w in words)


def gutter_of(lines: Sequence[Sequence[dict]], width: float) -> float | None:
    """The x of the gutter between two columns of prose, if the page has one: the candidate with
    the most prose on both sides, among those that few lines cross."""
    if len(lines) < MIN_SIDE_LINES:
        return None
    best: tuple[int, float] | None = None
    crossings = crossing_counts([w for words in lines for w in words], width)
    x = width * GUTTER_RANGE[0]
    while x <= width * GUTTER_RANGE[1]:
        if crossings[int(x)] <= MAX_CROSSING_SHARE * len(lines):
            sides = [line_sides(words, x) for words in lines if not line_crosses(words, x)]
            left = sum(1 for a, _ in sides if chars(a) >= MIN_PROSE_CHARS)
            right = sum(1 for _, b in sides if chars(b) >= MIN_PROSE_CHARS)
            if min(left, right) >= MIN_SIDE_LINES and (best is None or min(left, right) > best[0]):
                best = (min(left, right), x)
        x += GUTTER_STEP
    if best is None:
        return None
    return centre_of_gap(lines, best[1])


def crossing_counts(words: Sequence[dict], width: float) -> list[int]:
    """For every whole point x of the page, how many words cover it (the words of one line do
    not overlap, so it is the number of lines crossing x); one pass, not one per candidate."""
    size = int(width) + 2
    steps = [0] * (size + 1)
    for w in words:
        start, end = max(int(w["x0"]) + 1, 0), min(int(w["x1"] - 1e-9), size - 1)
        if start <= end:
            steps[start] += 1
            steps[end + 1] -= 1
    out, running = [], 0
    for step in steps[:size]:
        running += step
        out.append(running)
    return out


def centre_of_gap(lines: Sequence[Sequence[dict]], x: float) -> float:
    """The middle of the empty band around ``x`` (so a small shift of a line does not cross it)."""
    ends = [w["x1"] for words in lines if not line_crosses(words, x) for w in words if w["x1"] <= x]
    starts = [w["x0"] for words in lines if not line_crosses(words, x) for w in words if w["x0"] >= x]
    return (max(ends, default=x) + min(starts, default=x)) / 2


def split_at_gutter(lines: Sequence[Sequence[dict]], gutter: float) -> list[list[dict]]:
    """Each line cut in two at the gutter (a line that crosses it stays whole)."""
    out: list[list[dict]] = []
    for words in lines:
        if line_crosses(words, gutter):
            out.append(list(words))
            continue
        out.extend(part for part in line_sides(words, gutter) if part)
    return out


def reading_order(boxes: Sequence[tuple[float, float, float, float]], gutter: float | None) -> list[int]:
    """Indexes of ``boxes`` (x0, top, x1, bottom) in reading order: top to bottom, and with a
    gutter, per band between the boxes that cross it, the left column before the right."""
    order = sorted(range(len(boxes)), key=lambda k: (boxes[k][1], boxes[k][0]))
    if gutter is None:
        return order
    out: list[int] = []
    band: list[int] = []
    for k in order:
        x0, _, x1, _ = boxes[k]
        if x0 < gutter < x1:
            out += [j for j in band if boxes[j][2] <= gutter] + [j for j in band if boxes[j][2] > gutter]
            out.append(k)
            band = []
        else:
            band.append(k)
    out += [j for j in band if boxes[j][2] <= gutter] + [j for j in band if boxes[j][2] > gutter]
    return out
