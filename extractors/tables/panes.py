"""Panes: tables printed side by side, told apart by the rules under their rows.

A status sheet or a statistics page often sets two stacks of tables beside each other, each
ruled only by horizontal lines (one per row, a shaded header band). Alignment alone reads the
page as one wide table: the two stacks share text lines, and the gutter between them is not
always empty (a ※ mark printed just left of the right-hand table's labels). The rules are the
better witness: no rule crosses the gutter, and rules run on both sides of it over the same
stretch of the page.

    horizontal edges -> x intervals the rules cover       ``rules_to_cover``
                     -> gutters (gaps between intervals,   ``edges_to_gutters``
                        rules on both sides, side by side)
    lines of segments -> one list of lines per pane        ``lines_to_panes``
                        (a segment goes to the pane its centre lies in; one printed across
                        a gutter, a date over both stacks, belongs to neither)
    a pane's rules    -> where a new table starts          ``edges_to_band_starts``
                        (the rules change their extent, or skip a row: the next table of
                        the stack); its lines are cut there  ``lines_at``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.tables.borderless import TextLine

MIN_RULE_WIDTH = 40.0  # points: a shorter edge is a cell's side or a mark, not a row's rule
MIN_GUTTER_WIDTH = 6.0  # points: a narrower gap between rules is a column boundary inside one table
MIN_SIDE_RULES = 3  # rules each pane needs beside the other: a table's worth of rows
COVER_TOLERANCE = 1.0  # points: rules this close are one covered stretch
EXTENT_TOLERANCE = 3.0  # points: rules whose ends differ more belong to different tables
SAME_RULE = 2.5  # points: edges closer than this are one rule (a thin rectangle's top and bottom)
ACROSS_SHARE = 0.25  # a segment with this share of its width on both sides of a cut spans it
SKIP_FACTOR = 1.8  # a gap between rules this many times their usual spacing skips a row


def long_rules(horizontal: Sequence[dict]) -> list[dict]:
    """The horizontal edges long enough to be a row's rule."""
    return [e for e in horizontal if e["x1"] - e["x0"] >= MIN_RULE_WIDTH]


def rules_to_cover(rules: Sequence[dict]) -> list[tuple[float, float]]:
    """The x intervals the rules cover, merged."""
    spans = sorted((e["x0"], e["x1"]) for e in rules)
    cover: list[tuple[float, float]] = []
    for x0, x1 in spans:
        if cover and x0 <= cover[-1][1] + COVER_TOLERANCE:
            cover[-1] = (cover[-1][0], max(cover[-1][1], x1))
        else:
            cover.append((x0, x1))
    return cover


def edges_to_gutters(horizontal: Sequence[dict]) -> list[tuple[float, float]]:
    """Gaps no rule crosses with at least ``MIN_SIDE_RULES`` rules on each side whose heights
    overlap: tables side by side, not one above the other."""
    rules = long_rules(horizontal)
    cover = rules_to_cover(rules)
    gutters = []
    for (_, left_end), (right_start, _) in zip(cover, cover[1:], strict=False):
        if right_start - left_end < MIN_GUTTER_WIDTH:
            continue
        left = [e["top"] for e in rules if e["x1"] <= left_end + COVER_TOLERANCE]
        right = [e["top"] for e in rules if e["x0"] >= right_start - COVER_TOLERANCE]
        beside_left = sum(1 for y in left if min(right, default=0) <= y <= max(right, default=-1))
        beside_right = sum(1 for y in right if min(left, default=0) <= y <= max(left, default=-1))
        if min(beside_left, beside_right) >= MIN_SIDE_RULES:
            gutters.append((left_end, right_start))
    return gutters


def lines_to_panes(lines: Sequence[TextLine], gutters: Sequence[tuple[float, float]]) -> list[list[TextLine]]:
    """The page's lines cut at the gutters, one list per pane, left to right; a segment goes to
    the pane its centre lies in (a mark in the gutter joins the label it is printed against)."""
    if not gutters:
        return [list(lines)]
    cuts = gutters_to_cuts(gutters)
    panes: list[list[TextLine]] = [[] for _ in range(len(cuts) + 1)]
    for line in lines:
        by_pane: list[list] = [[] for _ in panes]
        for segment in line.segments:
            if any(is_across(segment.bbox.x0, segment.bbox.x1, cut) for cut in cuts):
                continue  # printed across the gutter: the page's, not a pane's
            centre = (segment.bbox.x0 + segment.bbox.x1) / 2
            by_pane[sum(1 for cut in cuts if centre > cut)].append(segment)
        for pane, segments in zip(panes, by_pane, strict=True):
            if segments:
                pane.append(replace(line, segments=tuple(segments), top=min(s.bbox.top for s in segments), bottom=max(s.bbox.bottom for s in segments)))
    return panes


def gutters_to_cuts(gutters: Sequence[tuple[float, float]]) -> list[float]:
    return [(a + b) / 2 for a, b in gutters]


def is_across(x0: float, x1: float, cut: float) -> bool:
    """Over ``ACROSS_SHARE`` of the width on each side of the cut: printed across it (a mark
    that only touches the gutter is the label's beside it)."""
    return min(cut - x0, x1 - cut) > ACROSS_SHARE * (x1 - x0)


def pane_bounds(gutters: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The x range of each pane, left to right, cut at the gutters' middles."""
    cuts = gutters_to_cuts(gutters)
    return list(zip([float("-inf"), *cuts], [*cuts, float("inf")], strict=True))


def edges_to_band_starts(horizontal: Sequence[dict], x0: float, x1: float) -> list[float]:
    """Heights where the next table of a pane's stack starts: its first rule has other ends
    than the rule above it (the tables of a stack differ in width), or lies more than
    ``SKIP_FACTOR`` times the usual spacing below it (an empty row between two tables)."""
    rules: list[dict] = []
    for edge in sorted((e for e in long_rules(horizontal) if x0 <= (e["x0"] + e["x1"]) / 2 < x1), key=lambda e: e["top"]):
        if not rules or edge["top"] - rules[-1]["top"] > SAME_RULE:
            rules.append(edge)
    if len(rules) < 2 * MIN_SIDE_RULES:
        return []
    spacing = sorted(b["top"] - a["top"] for a, b in zip(rules, rules[1:], strict=False))[(len(rules) - 1) // 2]
    starts = []
    for above, rule in zip(rules, rules[1:], strict=False):
        moved = abs(rule["x0"] - above["x0"]) > EXTENT_TOLERANCE or abs(rule["x1"] - above["x1"]) > EXTENT_TOLERANCE
        if moved or rule["top"] - above["top"] > SKIP_FACTOR * spacing:
            starts.append(rule["top"])
    return starts


def lines_at(lines: Sequence[TextLine], starts: Sequence[float]) -> list[list[TextLine]]:
    """The lines in runs, a new run at each start height (a line belongs to the run its centre
    lies in)."""
    runs: list[list[TextLine]] = [[] for _ in range(len(starts) + 1)]
    for line in lines:
        runs[sum(1 for y in starts if line.centre > y)].append(line)
    return [run for run in runs if run]
