"""Borderless tables: columns from the white space between text, rows from text lines (no rules).

    page chars -> lines of segments            ``page_to_lines``
                  (upright characters by top, split at gaps wider than a character;
                  evenly spaced single characters, ``現 金 及 び 預 金``, stay one segment;
                  rotated header text is one segment per vertical run, on a line of its own)
               -> table regions                ``lines_to_regions``
                  (runs of close lines, most with two or more segments and some with three)
               -> columns                      ``region_to_columns``
                  (the x ranges the segments of the table's lines cover; a corridor crossed by
                  hardly any line separates two columns)
               -> rows                         ``region_to_rows``
                  (a line with a number, a mark or three segments is a row's anchor; a line of
                  text alone joins the anchor it wraps around: the anchor just above, or the
                  one just below when that anchor leaves the line's columns empty (text
                  centred on its row); lines of single characters stacked tight are one row:
                  a header printed one character per line)
               -> cells and a confidence       ``rows_to_table``
                  (a segment over several columns is one cell spanning them; the confidence
                  falls with the share of segments that are sentences, and of lone characters
                  (vertical writing), and is capped under a ruled table's)

A label printed once for several rows (a category) stays on the row where it is printed, with
empty cells below, as in text extractions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import FoundTable, TableCell, TableStrategy, chars_to_lines, chars_to_text
from extractors.tables.edges import page_to_visible_edges
from extractors.tables.panes import edges_to_band_starts, edges_to_gutters, lines_at, lines_to_panes, pane_bounds

MIN_ROWS = 3  # rows of a table
MIN_COLUMNS = 3  # columns of a table, and segments on at least two of its lines
MIN_RULED_COLUMNS = 2  # the same inside a pane of rules (``panes``): a ruled list of label and value
GAP_FACTOR = 1.0  # a gap wider than a character separates two segments
EVEN_TOLERANCE = 0.25  # gaps of evenly spaced characters differ by less than this share
MAX_EVEN_GAP = 5.0  # character widths: wider even gaps are columns of single marks
MIN_SPREAD = 0.25  # character widths: narrower gaps are set text, not a word spread over its cell
REGION_GAP_FACTOR = 2.2  # a vertical gap above this many line heights ends a region
MAX_TEXT_RUN = 2  # lines of a single segment a region may hold in a row
CORRIDOR_SHARE = 0.15  # a corridor may be crossed by this share of lines (wide headers)
MIN_CUT_GAP = 1.0  # points: a narrower gap between two characters is no column boundary
ROOMY = 1.6  # line heights: anchors at least this far apart leave room between rows
ATTACH_SHARE = 0.75  # a text line joins an anchor closer than this share of the anchors' pitch
STACK_GAP = 0.5  # line heights: single characters stacked closer are one cell
MAX_CONFIDENCE = 0.9  # alignment alone is weaker evidence than ruling lines
SENTENCE_LENGTH = 30  # characters: a longer segment is running text
SIGNS = frozenset("△▲▼−-+")
VALUE_RE = re.compile(r"^[\s△▲▼\-−+±]*[\d０-９][\d０-９,，.．%％]*$|^[●○◎〇◯×✕✓-]$")


@dataclass(frozen=True)
class Segment:
    """A run of characters on one line with no wide gap inside."""

    chars: tuple[dict, ...]
    bbox: BBox
    spread: bool = False  # evenly spaced letters of one word (均等割付): covers its whole width

    @property
    def bbox_dict(self) -> dict:
        return {"x0": self.bbox.x0, "x1": self.bbox.x1}

    @property
    def text(self) -> str:
        return chars_to_text(self.chars)

    @property
    def is_value(self) -> bool:
        return bool(VALUE_RE.match(self.text))


@dataclass(frozen=True)
class TextLine:
    segments: tuple[Segment, ...]
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def has_value(self) -> bool:
        return any(s.is_value for s in self.segments)

    @property
    def is_stacked(self) -> bool:
        """Only single characters that are no number or mark: a line of text printed one
        character per line (a vertical header), or of vertical writing."""
        return all(len(s.chars) == 1 and not s.is_value for s in self.segments)


class BorderlessStrategy(TableStrategy):
    name = "borderless"

    def may_find(self, page: Any) -> bool:
        """No run of lines with separated text segments: running text, no columns."""
        return bool(lines_to_regions(page_to_lines(page)))

    def find_tables(self, page: Any) -> list[FoundTable]:
        found = []
        horizontal = [e for e in page_to_visible_edges(page) if e["orientation"] == "h"]
        gutters = edges_to_gutters(horizontal)
        panes = lines_to_panes(page_to_lines(page), gutters)
        runs = [run for pane, (x0, x1) in zip(panes, pane_bounds(gutters), strict=True) for run in lines_at(pane, edges_to_band_starts(horizontal, x0, x1) if gutters else [])]
        min_columns = MIN_RULED_COLUMNS if gutters else MIN_COLUMNS  # a ruled pane's label | value list is a table
        for run in runs:
            for region in lines_to_regions(run, min_columns):
                table = region_to_table(region, page.page_number, self.name, min_columns)
                if table is not None:
                    found.append(table)
        return found


# --- characters -> lines of segments --------------------------------------------------------------------


def page_to_lines(page: Any) -> list[TextLine]:
    chars = [c for c in page.chars if not c["text"].isspace()]
    upright = [c for c in chars if c.get("upright", True)]
    lines = [line_to_text_line(line) for line in chars_to_lines(upright)]
    rotated = rotated_to_line([c for c in chars if not c.get("upright", True)])
    return sorted(lines + ([rotated] if rotated else []), key=lambda ln: ln.top)


def line_to_text_line(line: list[dict]) -> TextLine:
    segments = []
    for chars, spread in spread_runs(line):
        segments.extend([chars_to_segment(chars, spread=True)] if spread else [chars_to_segment(g) for g in split_at_gaps(chars)])
    return TextLine(tuple(segments), min(c["top"] for c in line), max(c["bottom"] for c in line))


def chars_to_segment(chars: Sequence[dict], *, spread: bool = False) -> Segment:
    box = BBox(min(c["x0"] for c in chars), min(c["top"] for c in chars), max(c["x1"] for c in chars), max(c["bottom"] for c in chars))
    return Segment(tuple(chars), box, spread)


def char_width(chars: Sequence[dict]) -> float:
    return median(c["x1"] - c["x0"] for c in chars) or 1.0


def split_at_gaps(line: Sequence[dict]) -> list[list[dict]]:
    """Groups of characters split at gaps wider than the wider of the two characters beside it
    (a full-width character's width: Japanese text has no spaces between words)."""
    groups = [[line[0]]]
    for prev, ch in zip(line, line[1:], strict=False):
        signed = prev["text"] in SIGNS and ch["text"][:1].isdigit()  # △ 85,346: the sign set apart is the number's
        if not signed and ch["x0"] - prev["x1"] > GAP_FACTOR * max(prev["x1"] - prev["x0"], ch["x1"] - ch["x0"], ch.get("size", 0) / 2):
            groups.append([ch])
        else:
            groups[-1].append(ch)
    return groups


def spread_runs(line: Sequence[dict]) -> list[tuple[list[dict], bool]]:
    """The line in runs: three or more letters (no number or mark) at equal gaps are one word
    spread over its cell (均等割付), whatever the gaps against ``GAP_FACTOR`` (a spread word's
    gaps are often one character wide, some a hair under it, some a hair over); the characters
    between runs, with whether each run is such a word."""
    out: list[tuple[list[dict], bool]] = []
    plain: list[dict] = []
    k = 0
    while k < len(line):
        end = k + 1
        while end < len(line) and is_letter(line[k]) and is_letter(line[end]) and evenly_spaced(line[k : end + 1]):
            end += 1
        if end - k >= 3:
            if plain:
                out.append((plain, False))
                plain = []
            out.append((list(line[k:end]), True))
        else:
            plain.append(line[k])
            end = k + 1
        k = end
    if plain:
        out.append((plain, False))
    return out


def is_letter(char: dict) -> bool:
    return not VALUE_RE.match(char["text"]) and not char["text"].isascii()


def evenly_spaced(chars: Sequence[dict]) -> bool:
    """Gaps of about one size, spread (at least ``MIN_SPREAD`` of a character: set text has
    none) and no wider than ``MAX_EVEN_GAP`` characters."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(chars, chars[1:], strict=False)]
    width = char_width(chars)
    return min(gaps) >= MIN_SPREAD * width and max(gaps) <= MAX_EVEN_GAP * width and max(gaps) - min(gaps) <= EVEN_TOLERANCE * max(gaps)


def rotated_to_line(chars: Sequence[dict]) -> TextLine | None:
    """Rotated characters (a header printed sideways): each vertical run is one segment, all
    on one line of their own."""
    if not chars:
        return None
    columns: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["x0"]), c["top"])):
        last = columns[-1] if columns else None
        if last and abs(last[-1]["x0"] - ch["x0"]) <= 1.0 and ch["top"] - last[-1]["bottom"] <= last[-1]["bottom"] - last[-1]["top"]:
            last.append(ch)
        else:
            columns.append([ch])
    segments = sorted((chars_to_segment(c) for c in columns), key=lambda s: s.bbox.x0)
    return TextLine(tuple(segments), min(s.bbox.top for s in segments), max(s.bbox.bottom for s in segments))


# --- lines -> regions ----------------------------------------------------------------------------------


def lines_to_regions(lines: Sequence[TextLine], min_columns: int = MIN_COLUMNS) -> list[list[TextLine]]:
    """Runs of close lines with two or more segments (single-segment lines inside, at most
    ``MAX_TEXT_RUN`` in a row), with at least ``MIN_ROWS`` lines of ``min_columns`` segments."""
    if not lines:
        return []
    height = median(ln.height for ln in lines) or 1.0
    regions: list[list[TextLine]] = []
    current: list[TextLine] = []
    pending: list[TextLine] = []
    for line in lines:
        if current and line.top - max(ln.bottom for ln in current[-2:]) > REGION_GAP_FACTOR * height:
            regions.append(current)
            current = []
        if len(line.segments) >= 2 and not current and pending and line.top - pending[-1].bottom <= STACK_GAP * line.height:
            current.extend(pending)  # a header's first lines, wrapped over the line below
        pending = [line] if len(line.segments) == 1 and not current else []
        if len(line.segments) >= 2 or current:
            current.append(line)
        if len(current) > MAX_TEXT_RUN and all(len(ln.segments) < 2 for ln in current[-(MAX_TEXT_RUN + 1) :]):
            regions.append(current)
            current = []
    regions.append(current)
    return [trimmed for r in regions if is_tabular(trimmed := trim_text_lines(r), min_columns)]


def trim_text_lines(region: list[TextLine]) -> list[TextLine]:
    end = len(region)
    while end and len(region[end - 1].segments) < 2:
        end -= 1
    return region[:end]


def is_tabular(region: Sequence[TextLine], min_columns: int = MIN_COLUMNS) -> bool:
    wide = sum(1 for ln in region if len(ln.segments) >= min_columns)
    return len(region) >= MIN_ROWS and wide >= 2


# --- region -> columns, rows, table -------------------------------------------------------------------------


def region_to_columns(region: Sequence[TextLine]) -> list[tuple[float, float]]:
    """Column ranges from the x intervals the table's characters cover. Islands of text apart
    from each other (an empty gap at least ``MIN_CUT_GAP`` wide) are columns, even one printed
    on a single line (a category label printed once); inside an island, a stretch covered by
    no more than ``CORRIDOR_SHARE`` of the lines between two stretches covered by more is a
    corridor that a wide header or a long label crosses, and splits it."""
    allowed = int(CORRIDOR_SHARE * len(region))
    spans = [(c["x0"], c["x1"]) for ln in region for s in ln.segments for c in ([s.bbox_dict] if s.spread else s.chars)]
    columns: list[tuple[float, float]] = []
    for island in spans_to_islands(spans):
        high = [k for k, (_, _, depth) in enumerate(island) if depth > allowed]
        if not high:
            columns.append((island[0][0], island[-1][1]))
            continue
        runs: list[list[int]] = [[high[0], high[0]]]
        for k in high[1:]:
            if all(island[j][1] - island[j][0] < MIN_CUT_GAP for j in range(runs[-1][1] + 1, k)):
                runs[-1][1] = k
            else:
                runs.append([k, k])
        runs[0][0], runs[-1][1] = 0, len(island) - 1  # overhanging text joins the outer columns
        columns.extend((island[a][0], island[b][1]) for a, b in runs)
    return columns


def spans_to_islands(spans: Sequence[tuple[float, float]]) -> list[list[tuple[float, float, int]]]:
    """Elementary x intervals with how many spans cover them, grouped into islands split at
    uncovered gaps at least ``MIN_CUT_GAP`` wide."""
    events = sorted((x, d) for x0, x1 in spans for x, d in ((x0, 1), (x1, -1)))
    islands: list[list[tuple[float, float, int]]] = []
    depth = 0
    last_end = None
    for (x, step), (nxt, _) in zip(events, events[1:], strict=False):
        depth += step
        if nxt <= x or depth <= 0:
            continue
        if last_end is None or x - last_end >= MIN_CUT_GAP:
            islands.append([])
        islands[-1].append((x, nxt, depth))
        last_end = nxt
    return islands


def segment_columns(segment: Segment, columns: Sequence[tuple[float, float]]) -> tuple[int, int]:
    """First column and column span of a segment (the columns it overlaps; the nearest one
    when it falls in a corridor)."""
    hit = [k for k, (a, b) in enumerate(columns) if segment.bbox.x0 < b and segment.bbox.x1 > a]
    if not hit:
        centre = (segment.bbox.x0 + segment.bbox.x1) / 2
        k = min(range(len(columns)), key=lambda i: min(abs(columns[i][0] - centre), abs(columns[i][1] - centre)))
        return k, 1
    return hit[0], hit[-1] - hit[0] + 1


def region_to_anchors(region: Sequence[TextLine]) -> tuple[list[int], float]:
    """Lines that hold a number or a mark (a row's data), and the header's lines of
    ``MIN_COLUMNS`` segments above them (in a table of text alone, every such line); and the
    median distance between data anchors."""
    valued = [k for k, ln in enumerate(region) if ln.has_value]
    wide = [k for k, ln in enumerate(region) if len(ln.segments) >= MIN_COLUMNS and (not valued or k < valued[0])]
    spaced = valued or wide
    pitch = median(region[b].centre - region[a].centre for a, b in zip(spaced, spaced[1:], strict=False)) if len(spaced) > 1 else 0.0
    return sorted(set(valued) | set(wide)), pitch


def region_to_rows(region: Sequence[TextLine], columns: Sequence[tuple[float, float]]) -> list[list[TextLine]]:
    """Rows of lines. Rows padded apart (data lines at least ``ROOMY`` line heights apart):
    lines at a tight leading are one row's (wrapped and centred cells, a header name on two
    lines), unless both hold numbers or marks in the same column. Rows packed tight: every
    data line is a row, and a line of text alone joins the one it wraps around."""
    anchors, pitch = region_to_anchors(region)
    height = median(ln.height for ln in region)
    if pitch >= ROOMY * height:
        return lines_by_leading(region, columns, height)
    chosen = set(anchors)
    owner = {k: k if k in chosen else attach_to(k, region, anchors, columns, pitch) for k in range(len(region))}
    rows: list[list[int]] = []
    for k in range(len(region)):
        if owner[k] != k:
            continue
        prev = rows[-1][-1] if rows else None
        if prev is not None and region[k].is_stacked and region[prev].is_stacked and region[k].top - region[prev].bottom <= STACK_GAP * region[k].height:
            rows[-1].append(k)
            continue
        rows.append([k])
    where = {k: r for r, members in enumerate(rows) for k in members}
    grouped: list[list[TextLine]] = [[] for _ in rows]
    for k in range(len(region)):
        grouped[where[owner[k]]].append(region[k])
    return grouped


def lines_by_leading(region: Sequence[TextLine], columns: Sequence[tuple[float, float]], height: float) -> list[list[TextLine]]:
    rows: list[list[TextLine]] = []
    for line in region:
        if rows and line.top - max(ln.bottom for ln in rows[-1]) <= STACK_GAP * height and not values_collide(rows[-1], line, columns):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def values_collide(row: Sequence[TextLine], line: TextLine, columns: Sequence[tuple[float, float]]) -> bool:
    taken = {c for ln in row for s in ln.segments if s.is_value for c in covered_columns(s, columns)}
    return any(c in taken for s in line.segments if s.is_value for c in covered_columns(s, columns))


def attach_to(k: int, region: Sequence[TextLine], anchors: Sequence[int], columns: Sequence[tuple[float, float]], pitch: float) -> int:
    """The anchor line a line of text alone belongs to (itself when none)."""
    line = region[k]
    mine = {c for s in line.segments for c in covered_columns(s, columns)}
    above = max((a for a in anchors if a < k), default=None)
    below = min((a for a in anchors if a > k), default=None)
    options = []
    if above is not None and line.centre - region[above].centre <= ATTACH_SHARE * pitch:
        options.append((line.centre - region[above].centre, above))
    if below is not None and region[below].centre - line.centre <= ATTACH_SHARE * pitch:
        theirs = {c for s in region[below].segments for c in covered_columns(s, columns)}
        if not mine & theirs:
            options.append((region[below].centre - line.centre, below))
    return min(options)[1] if options else k


def split_at_corridors(segment: Segment, columns: Sequence[tuple[float, float]]) -> list[Segment]:
    """A segment cut at the widest gap between two of its characters that lies in the corridor
    between two columns: two header names printed without a full gap, a label running up to
    the next column's text."""
    chars = segment.chars
    cuts = set()
    for (_, start), (end, _) in zip(columns, columns[1:], strict=False):
        gaps = [
            (chars[k]["x0"] - chars[k - 1]["x1"], k)
            for k in range(1, len(chars))
            if chars[k - 1]["x1"] <= end + 1 and chars[k]["x0"] >= start - 1 and chars[k - 1]["text"] not in SIGNS
        ]
        widest = max(gaps, default=(0.0, 0))
        if widest[0] >= MIN_CUT_GAP:
            cuts.add(widest[1])
    if not cuts:
        return [segment]
    bounds = [0, *sorted(cuts), len(chars)]
    return [chars_to_segment(chars[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def covered_columns(segment: Segment, columns: Sequence[tuple[float, float]]) -> range:
    first, span = segment_columns(segment, columns)
    return range(first, first + span)


def region_to_table(region: Sequence[TextLine], page_number: int, name: str, min_columns: int = MIN_COLUMNS) -> FoundTable | None:
    first = next((k for k, ln in enumerate(region) if ln.has_value), 0)
    body = region[first:]  # a header's text may sit off its column's numbers
    columns = region_to_columns(body if sum(ln.has_value for ln in body) >= MIN_ROWS else region)
    if len(columns) < min_columns:
        return None
    rows = region_to_rows(region, columns)
    if len(rows) < MIN_ROWS:
        return None
    cells = []
    spanning = 0
    for r, lines in enumerate(rows):
        slots: dict[int, tuple[int, list[dict]]] = {}
        for line in lines:
            for segment in (piece for whole in line.segments for piece in split_at_corridors(whole, columns)):
                first, span = segment_columns(segment, columns)
                spanning += span > 1
                prev_span, chars = slots.get(first, (1, []))
                slots[first] = (max(span, prev_span), chars + list(segment.chars))
        taken = -1
        for col, (span, chars) in sorted(slots.items()):
            if col <= taken:
                continue  # inside a spanning cell of this row: its text joins that cell
            span = min(span, len(columns) - col)
            box = BBox(min(c["x0"] for c in chars), min(c["top"] for c in chars), max(c["x1"] for c in chars), max(c["bottom"] for c in chars))
            cells.append(TableCell(text=chars_to_text(chars), row=r, column=col, bbox=box, col_span=span, page=page_number))
            taken = col + span - 1
    segments = [s for ln in region for s in ln.segments]
    prose = sum(1 for s in segments if len(s.chars) >= SENTENCE_LENGTH or "。" in s.text) / len(segments)
    lone = sum(1 for ln in region if ln.is_stacked for _ in ln.segments) / len(segments)
    fit = 1 - spanning / len(segments)
    boxes = [c.bbox for c in cells]
    return FoundTable(
        cells=tuple(cells),
        n_rows=len(rows),
        n_columns=len(columns),
        bbox=BBox(min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes)),
        strategy=name,
        confidence=round(MAX_CONFIDENCE * fit * (1 - prose) * (1 - lone), 4),
        pages=(page_number,),
        column_edges=(columns[0][0], *((a[1] + b[0]) / 2 for a, b in zip(columns, columns[1:], strict=False)), columns[-1][1]),
    )
