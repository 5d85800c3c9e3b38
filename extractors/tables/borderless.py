"""Borderless tables: columns from word alignment (no ruling lines).

    page chars -> lines (by top)                        ``chars_to_lines``
               -> runs of lines with >= 3 separated     ``lines_to_runs``
                  text groups (a paragraph has one)
               -> column starts: left edges of groups   ``runs_to_column_starts``
                  shared by several lines
               -> cells: every character to the column  ``run_to_cells``
                  whose start is left of it (a header word running into the next column, or
                  two header names printed without a gap, are split at the column start)
               -> confidence: share of groups that start on a column start

A label printed once for several rows (a category) stays on the row where it is printed, with
empty cells below, as in text extractions. Empty cells are kept by column position.
"""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import FoundTable, TableCell, TableStrategy, chars_to_lines, chars_to_text, cluster_values

MIN_ROWS = 3
MIN_GROUPS = 3  # text groups on a line for it to be a table row
GAP_FACTOR = 1.0  # a gap wider than this many character widths separates two groups
ALIGN_TOLERANCE = 3.0  # points
ROW_GAP_FACTOR = 2.5  # a vertical gap above this many line heights ends a run
MAX_CONFIDENCE = 0.9  # alignment alone is weaker evidence than ruling lines


class BorderlessStrategy(TableStrategy):
    name = "borderless"

    def may_find(self, page: Any) -> bool:
        """No run of lines with separated text groups: running text, no columns."""
        return bool(page_to_runs(page))

    def find_tables(self, page: Any) -> list[FoundTable]:
        found = []
        for run in page_to_runs(page):
            table = run_to_table(run, page.page_number, self.name)
            if table is not None:
                found.append(table)
        return found


def page_to_runs(page: Any) -> list[list[list[dict]]]:
    chars = [c for c in page.chars if c.get("upright", True) and not c["text"].isspace()]
    return lines_to_runs(chars_to_lines(chars))


def line_to_groups(line: list[dict]) -> list[list[dict]]:
    width = median(c["x1"] - c["x0"] for c in line)
    groups = [[line[0]]]
    for prev, ch in zip(line, line[1:], strict=False):
        if ch["x0"] - prev["x1"] > GAP_FACTOR * width:
            groups.append([ch])
        else:
            groups[-1].append(ch)
    return groups


def lines_to_runs(lines: list[list[dict]]) -> list[list[list[dict]]]:
    """Maximal runs of consecutive lines that have several separated groups each."""
    runs: list[list[list[dict]]] = []
    current: list[list[dict]] = []
    height = median([ln[0]["bottom"] - ln[0]["top"] for ln in lines]) if lines else 10.0
    for line in lines:
        tabular = len(line_to_groups(line)) >= MIN_GROUPS
        close = bool(current) and line[0]["top"] - current[-1][0]["top"] <= ROW_GAP_FACTOR * height
        if tabular and (close or not current):
            current.append(line)
            continue
        if len(current) >= MIN_ROWS:
            runs.append(current)
        current = [line] if tabular else []
    if len(current) >= MIN_ROWS:
        runs.append(current)
    return runs


def runs_to_column_starts(run: list[list[dict]]) -> list[float]:
    """Left edges of text groups that recur on at least two lines (or a fifth of them)."""
    lefts = [g[0]["x0"] for line in run for g in line_to_groups(line)]
    starts = cluster_values(lefts, ALIGN_TOLERANCE)
    support = Counter(min(range(len(starts)), key=lambda i: abs(starts[i] - x)) for x in lefts)
    need = max(2, len(run) // 5)
    return [s for i, s in enumerate(starts) if support[i] >= need]


def run_to_table(run: list[list[dict]], page_number: int, name: str) -> FoundTable | None:
    starts = runs_to_column_starts(run)
    if len(starts) < MIN_GROUPS:
        return None
    cells = []
    aligned = total = 0
    for r, line in enumerate(run):
        slots: dict[int, list[dict]] = {}
        for ch in line:
            col = max((i for i, s in enumerate(starts) if s <= ch["x0"] + ALIGN_TOLERANCE), default=0)
            slots.setdefault(col, []).append(ch)
        for group in line_to_groups(line):
            total += 1
            aligned += any(abs(group[0]["x0"] - s) <= ALIGN_TOLERANCE for s in starts)
        for col, chs in sorted(slots.items()):
            box = BBox(min(c["x0"] for c in chs), min(c["top"] for c in chs), max(c["x1"] for c in chs), max(c["bottom"] for c in chs))
            cells.append(TableCell(text=chars_to_text(chs), row=r, column=col, bbox=box, page=page_number))
    boxes = [c.bbox for c in cells]
    bbox = BBox(min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))
    return FoundTable(
        cells=tuple(cells),
        n_rows=len(run),
        n_columns=len(starts),
        bbox=bbox,
        strategy=name,
        confidence=round(MAX_CONFIDENCE * aligned / max(total, 1), 4),
        pages=(page_number,),
        column_edges=tuple(starts),
    )
