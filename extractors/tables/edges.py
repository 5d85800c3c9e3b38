"""The ruling of a page as the ruled strategy sees it: the edges a reader sees printed, plus the
column rules that office prints imply without drawing them.

    page objects -> visible edges            ``page_to_visible_edges``
                    (a white fill on a white page draws nothing: spreadsheet exports cover
                    the page with white bands whose edges are no rules; a thin white fill
                    painted over a shaded area (a white rule, a gutter cut into a rule) is seen)
    horizontal edges -> rule rows             ``edges_to_rule_rows``
                    (the segments of one rule, and where they stop: where it ends, or where a
                    visible gutter breaks it, as spreadsheets print column boundaries without
                    vertical rules; segments drawn cell by cell that touch are one rule as seen)
    rule rows -> implied vertical edges       ``rule_rows_to_implied_verticals``
                    (between two consecutive rules that both stop at x, with no character
                    across x, no vertical rule at x next to them and no rule overshooting a
                    vertical there: a column boundary printed without a vertical rule)
    column rules -> implied rules at a cut    ``open_ends_to_implied_rules``
                    (a table cut by a page break: its column rules run to the cut, no rule
                    closes the row there)
    edges -> edges snapped to lines           ``snap_edges``
                    (pdfplumber snaps in a chain: a pie chart's short edges at every height
                    drag a table's rules off its corners)

Edges are pdfplumber edge dicts, ready for ``table_settings`` ``explicit`` lines.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractors.tables.base import cluster_values

RULE_ROW_TOLERANCE = 1.5  # points: horizontal edges closer than this are one rule
STOP_TOLERANCE = 2.0  # points: stops of two rules this close are one column boundary
GUTTER = 6.0  # points: a rule broken by a gap this narrow breaks at a column boundary
MIN_GUTTER = 1.0  # points: a narrower gap is not seen (segments drawn cell by cell touch)
MIN_RULE = 3.0  # points: shorter edges (a dot, the end of a thin rule drawn as a rectangle) are no rule
STRADDLE = 0.5  # points: a character crossing x by more than this blocks a boundary at x
SNAP_TOLERANCE = 3.0  # points: pdfplumber's snap tolerance
OVERSHOOT = 20.0  # points: a rule ending this close past a vertical rule it crosses overshoots it
MAX_SNAP_SPAN = 6.0  # points: the widest set of edges snapped onto one line


def is_white(color: Any) -> bool:
    """White in gray (1), RGB (1, 1, 1) or CMYK (0, 0, 0, 0); patterns and None are not."""
    if isinstance(color, (int, float)):
        return color == 1
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return False
    if len(color) in (1, 3):
        return all(v == 1 for v in color)
    return len(color) == 4 and all(v == 0 for v in color)


def draws_stroke(obj: dict) -> bool:
    return (obj["object_type"] == "line" or bool(obj.get("stroke"))) and not is_white(obj.get("stroking_color"))


def draws_fill(obj: dict) -> bool:
    return obj["object_type"] != "line" and bool(obj.get("fill")) and not is_white(obj.get("non_stroking_color"))


def objects_overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


_VISIBLE_EDGES: weakref.WeakKeyDictionary[Any, list[dict]] = weakref.WeakKeyDictionary()


def page_to_visible_edges(page: Any) -> list[dict]:
    """Edges of the lines, rectangles and curves a reader sees: stroked in a colour, filled in
    a colour, or a thin white fill painted over a shaded area drawn before it (a white rule
    between shaded cells, a gutter cut into a rule). A white fill under what it overlaps, or
    a large one, is a background. Worked out once per page: the ruled and the borderless
    strategy both ask."""
    if page not in _VISIBLE_EDGES:
        _VISIBLE_EDGES[page] = visible_edges(page)
    return list(_VISIBLE_EDGES[page])


def visible_edges(page: Any) -> list[dict]:
    from pdfplumber.utils import obj_to_edges

    objects = [*page.lines, *page.rects, *page.curves]
    order = drawing_order(page)
    shaded = [o for o in objects if draws_fill(o)]
    edges: list[dict] = []
    for obj in objects:
        if draws_stroke(obj) or draws_fill(obj) or (obj.get("fill") and is_thin(obj) and paints_over(obj, shaded, order)):
            edges.extend(obj_to_edges(obj))
    return edges


def is_thin(obj: dict) -> bool:
    return min(obj["x1"] - obj["x0"], obj["bottom"] - obj["top"]) <= GUTTER


def paints_over(obj: dict, shaded: Sequence[dict], order: dict[int, int]) -> bool:
    z = order.get(id(obj), -1)
    return any(order.get(id(s), z) < z and objects_overlap(obj, s) for s in shaded)


def drawing_order(page: Any) -> dict[int, int]:
    """id of each line, rectangle and curve of the page -> its place in the content stream
    (pdfplumber lists each kind apart, in stream order)."""
    from pdfminer.layout import LTContainer, LTCurve, LTLine, LTRect

    kinds: dict[str, list[int]] = {"line": [], "rect": [], "curve": []}
    stack = list(reversed(page.root_page.layout._objs))
    index = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, LTContainer):
            stack.extend(reversed(obj._objs))
            continue
        kind = "line" if isinstance(obj, LTLine) else "rect" if isinstance(obj, LTRect) else "curve" if isinstance(obj, LTCurve) else None
        if kind is not None:
            kinds[kind].append(index)
        index += 1
    root = page.root_page
    order: dict[int, int] = {}
    for kind, listed in (("line", root.lines), ("rect", root.rects), ("curve", root.curves)):
        if len(listed) == len(kinds[kind]):
            order.update((id(o), z) for o, z in zip(listed, kinds[kind], strict=True))
    return order


@dataclass(frozen=True)
class RuleRow:
    """One horizontal rule: its runs (segments joined across overlaps and narrow gutters) and
    the x where it stops or breaks."""

    y: float
    runs: tuple[tuple[float, float], ...]
    stops: tuple[float, ...]

    def state_at(self, x: float) -> str:
        """``stop`` when the rule stops or breaks at x, ``across`` when it runs across x,
        ``absent`` otherwise."""
        if any(abs(s - x) <= STOP_TOLERANCE for s in self.stops):
            return "stop"
        if any(x0 < x < x1 for x0, x1 in self.runs):
            return "across"
        return "absent"


def edges_to_rule_rows(horizontal: Sequence[dict]) -> list[RuleRow]:
    groups: list[list[dict]] = []
    for edge in sorted(horizontal, key=lambda e: e["top"]):
        if edge["x1"] - edge["x0"] < MIN_RULE:
            continue
        if groups and edge["top"] - groups[-1][0]["top"] <= RULE_ROW_TOLERANCE:
            groups[-1].append(edge)
        else:
            groups.append([edge])
    return [segments_to_rule_row(g) for g in groups]


def segments_to_rule_row(group: Sequence[dict]) -> RuleRow:
    segments = sorted((e["x0"], e["x1"]) for e in group)
    runs = [list(segments[0])]
    stops = [segments[0][0]]
    for x0, x1 in segments[1:]:
        end = runs[-1][1]
        if x0 < end + MIN_GUTTER:  # overlapping or touching segments: one rule as printed, no boundary
            runs[-1][1] = max(end, x1)
        elif x0 - end <= GUTTER:  # broken by a visible gutter: a boundary in the gap
            stops.append((x0 + end) / 2)
            runs[-1][1] = max(end, x1)
        else:
            stops.extend((end, x0))
            runs.append([x0, x1])
    stops.append(runs[-1][1])
    y = sum(e["top"] for e in group) / len(group)
    return RuleRow(y=y, runs=tuple((a, b) for a, b in runs), stops=tuple(stops))


def rule_rows_to_implied_verticals(rows: Sequence[RuleRow], chars: Sequence[dict], vertical: Sequence[dict] = ()) -> list[dict]:
    """A vertical edge at x between two consecutive rules (of those that reach x) that both stop
    at x, where no character crosses x and no vertical rule is drawn at x on, just above or just
    below that stretch: a spreadsheet's column boundary drawn only as the breaks of its
    horizontal borders. (Where a column boundary is ruled above and below but not between,
    the stretch between is the gap between two tables, not a row.)"""
    out: list[dict] = []
    for x in cluster_values([s for row in rows for s in row.stops], STOP_TOLERANCE):
        reaching = [(row.y, state) for row in rows if (state := row.state_at(x)) != "absent"]
        crossing = [c for c in chars if c["x0"] < x - STRADDLE and c["x1"] > x + STRADDLE]
        ruled = [e for e in vertical if abs(e["x0"] - x) <= STOP_TOLERANCE and e["bottom"] - e["top"] >= MIN_RULE]
        for (top, first), (bottom, second) in zip(reaching, reaching[1:], strict=False):
            if first != "stop" or second != "stop":
                continue
            if any(c["top"] < bottom and c["bottom"] > top for c in crossing):
                continue
            if any(e["top"] <= bottom + SNAP_TOLERANCE and e["bottom"] >= top - SNAP_TOLERANCE for e in ruled):
                continue
            if overshoots(x, top, vertical) or overshoots(x, bottom, vertical):
                continue
            out.append(vertical_edge(x, top, bottom))
    return out


def overshoots(x: float, y: float, vertical: Sequence[dict]) -> bool:
    """The rule at height y ends at x just past a vertical rule it crosses: corner marks and
    rules drawn long end there, no column boundary."""
    return any(
        STOP_TOLERANCE < abs(e["x0"] - x) <= OVERSHOOT and e["top"] <= y + SNAP_TOLERANCE and e["bottom"] >= y - SNAP_TOLERANCE and e["bottom"] - e["top"] >= MIN_RULE
        for e in vertical
    )


def vertical_edge(x: float, top: float, bottom: float) -> dict:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top, "orientation": "v", "object_type": "implied_edge"}


def snap_edges(edges: Sequence[dict], orientation: str) -> list[dict]:
    """Edges of one orientation moved onto shared lines, as pdfplumber snaps them (a chain of
    positions each within ``SNAP_TOLERANCE`` of the last) but with a line no wider than
    ``MAX_SNAP_SPAN`` (a pie chart's short edges at every height chain a whole page) and each
    line at the mean position of its edges weighted by length (long rules outweigh the short
    edges of a curve)."""
    at, low, high = ("top", "x0", "x1") if orientation == "h" else ("x0", "top", "bottom")
    lines: list[list[dict]] = []
    for edge in sorted(edges, key=lambda e: e[at]):
        if lines and edge[at] - lines[-1][-1][at] <= SNAP_TOLERANCE and edge[at] - lines[-1][0][at] <= MAX_SNAP_SPAN:
            lines[-1].append(edge)
        else:
            lines.append([edge])
    out = []
    for members in lines:
        weights = [max(e[high] - e[low], 0.1) for e in members]
        mean = sum(e[at] * w for e, w in zip(members, weights, strict=True)) / sum(weights)
        pair = {"top": mean, "bottom": mean} if orientation == "h" else {"x0": mean, "x1": mean}
        out.extend({**e, **pair} for e in members)
    return out


def horizontal_edge(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0, "orientation": "h", "object_type": "implied_edge"}


OPEN_END_COLUMNS = 3  # vertical rules ending together at an open end of a table
OPEN_END_REACH = 40.0  # points: the table's outer rule lies this close to the open end


def open_ends_to_implied_rules(vertical: Sequence[dict], horizontal: Sequence[dict]) -> list[dict]:
    """A table cut by a page break has its column rules run to the cut and no rule there: the
    row at the cut is open (its top on the next page, its bottom on the page before). Where
    ``OPEN_END_COLUMNS`` or more vertical rules start (or stop) at one height with no horizontal
    rule across them there, but one just inside, and none of them runs further, the open end is
    closed by an implied rule."""
    out = []
    rules = [e for e in vertical if e["bottom"] - e["top"] >= MIN_RULE]
    for side, inward in (("top", 1), ("bottom", -1)):
        for y in cluster_values([e[side] for e in rules], RULE_ROW_TOLERANCE):
            xs = cluster_values([e["x0"] for e in rules if abs(e[side] - y) <= RULE_ROW_TOLERANCE], STOP_TOLERANCE)
            if len(xs) < OPEN_END_COLUMNS:
                continue
            left, right = xs[0], xs[-1]
            across = [e for e in rules if left - STOP_TOLERANCE <= e["x0"] <= right + STOP_TOLERANCE]
            outermost = min(e["top"] for e in across) if inward == 1 else max(e["bottom"] for e in across)
            if abs(outermost - y) > RULE_ROW_TOLERANCE or spans(horizontal, y, left, right, 0.5):
                continue  # not the end of the rules (cells drawn one by one start rules mid-table), or closed
            inside = [h["top"] for h in horizontal if 0 < (h["top"] - y) * inward <= OPEN_END_REACH]
            if any(spans(horizontal, at, left, right, 0.8) for at in inside):
                out.append(horizontal_edge(left, right, y))
    return out


def spans(horizontal: Sequence[dict], y: float, left: float, right: float, share: float) -> bool:
    """Horizontal edges at height y cover at least ``share`` of [left, right]."""
    covered = sum(max(0.0, min(h["x1"], right) - max(h["x0"], left)) for h in horizontal if abs(h["top"] - y) <= SNAP_TOLERANCE)
    return covered >= share * (right - left)


def page_to_table_edges(page: Any) -> tuple[list[dict], list[dict]]:
    """Vertical and horizontal edges for pdfplumber's table finder (``explicit`` strategy, its
    own snapping off)."""
    edges = page_to_visible_edges(page)
    horizontal = [e for e in edges if e["orientation"] == "h"]
    vertical = [e for e in edges if e["orientation"] == "v"]
    vertical += rule_rows_to_implied_verticals(edges_to_rule_rows(horizontal), page.chars, vertical)
    horizontal += open_ends_to_implied_rules(vertical, horizontal)
    return snap_edges(vertical, "v"), snap_edges(horizontal, "h")
