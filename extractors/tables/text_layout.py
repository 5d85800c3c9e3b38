"""Whitespace-aligned tables: layout text (``pdftotext -layout``, pdfplumber's layout mode) has no
tabs; a table's columns are where its words start and end on every row.

Both tools put one character per text column, wide (CJK) characters included, at the page
position divided by a character width: a word's first character sits where the page prints it,
the rest of a Japanese word is compressed (it takes fewer text columns than it takes room on
the page). Measured on the fuzzer's renderings: the start of a token is where its column is,
within a column or two; a header centred over marks can sit half a column pitch off (a stacked
name starts left of the mark below it), so header lines are matched to the body's columns with
the shift that fits them best.

    lines -> tokens (runs of non-space; a lone ▲ / △ joined to its number)   ``line_to_tokens``
          -> anchor lines: rows with a value, a mark or several aligned tokens ``is_anchor``
          -> regions: anchors close together (page breaks, repeated headers, ``line_regions``
             running titles and page numbers in between)
          -> pages: a continued table's pages moved onto the first page's    ``text_pages``
             columns (shift, pitch, unevenly spaced value columns)
          -> columns: token extents of the anchors merged where they overlap ``anchors_to_columns``
          -> rows: each anchor a row; lines between anchors are the wrapped   ``fragments_to_rows``
             parts of its cells (to the nearer anchor; halfway, a short part
             ends the cell above, a full one starts the cell below)
          -> header: the lines above the first row, characters stacked one    ``header_rows``
             per line joined into names, parts of wrapped cells joined, group
             labels spanning the columns they are centred over
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model.document import Line
from extractors.model.table import Table
from extractors.tables.text_base import (
    TextCell,
    TextRow,
    TextTableStrategy,
    display_width,
    join_fragments,
    rows_to_table,
    running_lines,
)
from extractors.tables.text_pages import first_page_anchors, pages_aligned
from extractors.tables.text_tokens import Column, Token, anchors_to_columns, line_to_tokens, match_in_order

LAYOUT = "layout"
MIN_ANCHORS = 3  # rows a table needs
MAX_GAP_LINES = 12  # lines between two rows of one table (wrapped cells, a page break and its header)
MAX_HEADER_LINES = 12  # rotated or stacked member names take a line each
TITLE_LENGTH = 10  # a single token this long above a table is its title, not a header cell
MIN_COLUMNS = 3
SHIFTS = range(-3, 4)
DRIFTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # text columns a header token drifts left per wide character before it
UNIT_CAPTION_RE = re.compile(r"単位")


class LayoutStrategy(TextTableStrategy):
    """Tables of whitespace-aligned columns."""

    name = LAYOUT

    def find_tables(self, lines: Sequence[Line]) -> list[Table]:
        plain = [line for line in lines if "\t" not in line.text]
        skip = running_lines(plain)
        tokens = {line.number: line_to_tokens(line.text) for line in plain}
        out = []
        for region in line_regions(plain, tokens, skip):
            table = region_to_table(region, tokens, skip)
            if table is not None:
                out.append(table)
        return out


# --- tokens --------------------------------------------------------------------------------------------


def is_anchor(tokens: Sequence[Token]) -> bool:
    """A line that is a table row: a value or mark beside other tokens, set apart by at least
    two spaces somewhere, or a row label and values one space apart (running text is one long
    token, or words one space apart: ``1 1 地域 4 5 市町村`` is letter-spaced text)."""
    if len(tokens) < 2:
        return False
    values = sum(t.is_value for t in tokens)
    wide_gaps = sum(1 for a, b in zip(tokens, tokens[1:], strict=False) if b.start - a.end >= 2)
    if values >= 1 and wide_gaps >= 1:
        return True
    # values one space apart (a tool printing tight columns) after at most a row label
    return values >= 3 and all(t.is_value for t in tokens[1:])


# --- regions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    lines: tuple[Line, ...]  # every line from the first header line to the last row's last part
    anchors: tuple[int, ...]  # line numbers of the rows


def line_regions(lines: Sequence[Line], tokens: dict[int, tuple[Token, ...]], skip: frozenset[int]) -> list[Region]:
    """Runs of anchor lines with at most ``MAX_GAP_LINES`` text lines between two (at least
    ``MIN_ANCHORS``), with the lines between them, the lines above the first (its header, up
    to a title, a unit caption or another table) and the parts of the last row's cells below it."""
    text = [line for line in lines if not line.is_blank and line.number not in skip]
    anchors = [k for k, line in enumerate(text) if is_anchor(tokens[line.number])]
    runs: list[list[int]] = []
    for k in anchors:
        if runs and k - runs[-1][-1] - 1 <= MAX_GAP_LINES:
            runs[-1].append(k)
        else:
            runs.append([k])
    index = {line.number: k for k, line in enumerate(lines)}
    out = []
    for run in runs:
        if len(run) < MIN_ANCHORS:
            continue
        top = run[0]
        while top > 0 and run[0] - top < MAX_HEADER_LINES and not ends_header(text[top - 1], tokens) and (top - 1 not in anchors):
            top -= 1
        bottom = run[-1]
        while bottom + 1 < len(text) and bottom - run[-1] < 2 and text[bottom + 1].number - text[bottom].number == 1 and not is_anchor(tokens[text[bottom + 1].number]):
            bottom += 1
        region = lines[index[text[top].number] : index[text[bottom].number] + 1]
        out.append(Region(tuple(region), tuple(text[k].number for k in run)))
    return out


def ends_header(line: Line, tokens: dict[int, tuple[Token, ...]]) -> bool:
    """A line no header goes above: a unit caption, or a title (one long token)."""
    toks = tokens[line.number]
    return bool(UNIT_CAPTION_RE.search(line.text)) or (len(toks) == 1 and len(toks[0].text) >= TITLE_LENGTH)


# --- columns --------------------------------------------------------------------------------------------


def token_column(token: Token, columns: Sequence[Column], shift: int = 0) -> int:
    """The column a token lies in (the first it overlaps), else the nearest by centre."""
    start, end = token.start + shift, token.end + shift
    for k, column in enumerate(columns):
        if start < column.end and column.start < end:
            return k
    return min(range(len(columns)), key=lambda k: abs(columns[k].center - (start + end) / 2))


def token_columns(token: Token, columns: Sequence[Column], shift: int = 0) -> list[int]:
    """Every column a token overlaps (one at least: the nearest)."""
    start, end = token.start + shift, token.end + shift
    hit = [k for k, column in enumerate(columns) if start < column.end and column.start < end]
    return hit or [token_column(token, columns, shift)]


SAME_COLUMN_COST = 2.0  # two words of a row in one column: as bad as being two text columns off
SAME_COLUMN_VALUE_COST = float("inf")  # a value shares no cell


def assign_in_order(toks: Sequence[Token], columns: Sequence[Column]) -> list[int]:
    """The columns of a row's tokens, in order (a token never left of the one before), at the
    least total distance from the columns (0 inside); two words in one column cost
    ``SAME_COLUMN_COST``; a value shares its column with nothing. A line a tool printed tighter than the others (wide numbers one
    space apart) still gets one value per column."""
    n, m = len(toks), len(columns)
    if not n:
        return []

    def distance(t: Token, c: Column) -> float:
        return 0.0 if t.start < c.end and c.start < t.end else float(min(abs(t.start - c.end), abs(c.start - t.end)) + 1)

    inf = float("inf")
    best = [[inf] * m for _ in range(n)]
    back = [[0] * m for _ in range(n)]
    for k in range(m):
        best[0][k] = distance(toks[0], columns[k])
    for i in range(1, n):
        running, arg = inf, 0
        for k in range(m):
            if k and best[i - 1][k - 1] < running:
                running, arg = best[i - 1][k - 1], k - 1
            same = best[i - 1][k] + (SAME_COLUMN_VALUE_COST if toks[i].is_value or toks[i - 1].is_value else SAME_COLUMN_COST)
            prev, frm = (running, arg) if running <= same else (same, k)
            best[i][k] = prev + distance(toks[i], columns[k])
            back[i][k] = frm
    k = min(range(m), key=lambda c: best[n - 1][c])
    if best[n - 1][k] == inf:  # more values than columns: each where it lies
        return [token_column(t, columns) for t in toks]
    out = [0] * n
    for i in range(n - 1, -1, -1):
        out[i] = k
        k = back[i][k]
    return out


# --- body rows ------------------------------------------------------------------------------------------


def region_to_table(region: Region, tokens: dict[int, tuple[Token, ...]], skip: frozenset[int]) -> Table | None:
    """The table of a region: header rows from the lines above the first row, one body row per
    anchor with the parts of its wrapped cells."""
    lines_by_number = {line.number: line for line in region.lines}
    text = [line for line in region.lines if not line.is_blank and line.number not in skip]
    first_anchor = region.anchors[0]
    above = [line for line in text if line.number < first_anchor]
    tokens = pages_aligned(text, region.anchors, tokens)
    columns = anchors_to_columns([tokens[n] for n in first_page_anchors(region.anchors, lines_by_number)])
    header_lines, leading = split_header(above, tokens, columns, region.anchors)
    header_keys = {line_key(line.text) for line in header_lines}
    columns = with_header_columns(columns, header_lines, tokens)
    if len(columns) < MIN_COLUMNS:
        return None
    body_lines = [*leading, *(line for line in text if line.number >= first_anchor and line_key(line.text) not in header_keys)]
    parts = lines_to_row_parts(body_lines, region.anchors, columns, tokens, lines_by_number)
    body = [anchor_parts_to_row(n, parts[n], columns, lines_by_number) for n in region.anchors]
    rows = header_rows(header_lines, tokens, columns) + body
    return rows_to_table(rows, LAYOUT, 0.8)


def split_header(above: Sequence[Line], tokens: dict[int, tuple[Token, ...]], columns: Sequence[Column], anchors: Sequence[int]) -> tuple[list[Line], list[Line]]:
    """The lines above the first row: the header (from a title or group label down to the
    line with most tokens, the parts of its wrapped cells and the characters of its stacked
    names below it) and the parts of the first row's wrapped cells printed above it (nearer
    the row than the header; halfway, a part as wide as its column starts the row's cell)."""
    if not above:
        return [], []
    main = max(range(len(above)), key=lambda k: (len(tokens[above[k].number]), k))
    if len(tokens[above[main].number]) < 2:  # no header: parts of the first row's cells
        return [], list(above)
    start = main
    while start > 0 and not is_title_over(tokens[above[start - 1].number], tokens[above[main].number]):
        start -= 1
    header = list(above[start : main + 1])
    leading = []
    main_number, first = above[main].number, anchors[0]
    for line in above[main + 1 :]:
        n = line.number
        if all(len(t.text) == 1 and not t.is_value for t in tokens[n]):
            nearer_header = True  # characters of stacked names
        elif n - main_number != first - n:
            nearer_header = n - main_number < first - n
        else:  # halfway: a part as wide as its column starts the row's cell
            nearer_header = all(t.end - t.start < 0.8 * column_width(t, columns, tokens, anchors) for t in tokens[n])
        (header if nearer_header else leading).append(line)
    return header, leading


def column_width(token: Token, columns: Sequence[Column], tokens: dict[int, tuple[Token, ...]], anchors: Sequence[int]) -> int:
    column = token_column(token, columns)
    return max((t.end - t.start for a in anchors for t in tokens[a] if token_column(t, columns) == column), default=token.end - token.start)


def is_title_over(toks: Sequence[Token], main: Sequence[Token]) -> bool:
    """A line above the header's main line that starts over its first cell: a title, not a
    group label (group labels stand over the columns they group)."""
    return bool(toks and main) and toks[0].start <= main[0].end and toks[0].end > main[0].start - 1 and len(toks[0].text) > len(main[0].text)


def with_header_columns(columns: list[Column], header: Sequence[Line], tokens: dict[int, tuple[Token, ...]]) -> list[Column]:
    """The columns with those the header's main line names where no row has a token (label
    columns whose labels are printed on lines of their own)."""
    if not header:
        return columns
    main = max(header, key=lambda line: len(tokens[line.number]))
    out = list(columns)
    for t in tokens[main.number]:
        if len(t.text) >= 2 and not any(t.start - 2 < c.end and c.start < t.end + 2 for c in out):
            out.append(Column(t.start, t.end))
    return sorted(out, key=lambda c: c.start)


def lines_to_row_parts(
    lines: Sequence[Line], anchors: Sequence[int], columns: Sequence[Column], tokens: dict[int, tuple[Token, ...]], by_number: dict[int, Line]
) -> dict[int, list[tuple[int, Token]]]:
    """Anchor -> the (line, token) parts of its row: its own tokens, and every part of a
    wrapped cell given to the nearer anchor on its page. A part halfway between two anchors
    completes a cell centred on the anchor above (a part above that anchor, nothing on its
    line), or one centred on the anchor below (likewise); else a part as wide as its column
    starts the cell below and a shorter one ends the cell above."""
    anchor_set = set(anchors)
    parts: dict[int, list[tuple[int, Token]]] = {n: [(n, t) for t in tokens[n]] for n in anchors}
    ties: list[tuple[int, Token, int, int]] = []
    for line in lines:
        if line.number in anchor_set:
            continue
        for token in tokens[line.number]:
            above, below = neighbour_anchors(line.number, anchors, by_number)
            if above is None or below is None or line.number - above != below - line.number:
                owner = above if below is None or (above is not None and line.number - above < below - line.number) else below
                if owner is not None:
                    parts[owner].append((line.number, token))
            else:
                ties.append((line.number, token, above, below))
    for number, token, above, below in ties:
        column = token_column(token, columns)
        parts[tie_owner(number, token, column, above, below, parts, columns, tokens, anchors)].append((number, token))
    return parts


def neighbour_anchors(number: int, anchors: Sequence[int], by_number: dict[int, Line]) -> tuple[int | None, int | None]:
    """The nearest anchors above and below a line, on its page."""
    page = by_number[number].page
    above = max((a for a in anchors if a < number), default=None)
    below = min((a for a in anchors if a > number), default=None)
    return (above if above is not None and by_number[above].page == page else None, below if below is not None and by_number[below].page == page else None)


def tie_owner(
    number: int, token: Token, column: int, above: int, below: int, parts: dict[int, list[tuple[int, Token]]],
    columns: Sequence[Column], tokens: dict[int, tuple[Token, ...]], anchors: Sequence[int],
) -> int:
    def lines_in(anchor: int) -> list[int]:
        return [n for n, t in parts[anchor] if token_column(t, columns) == column]

    up, down = lines_in(above), lines_in(below)
    if up and all(n < above for n in up):
        return above
    if down and all(n > below for n in down):
        return below
    widest = max((t.end - t.start for a in anchors for t in tokens[a] if token_column(t, columns) == column), default=0)
    widest = max([widest, *(t.end - t.start for n, t in parts[above] + parts[below] if token_column(t, columns) == column)])
    return below if token.end - token.start >= 0.8 * widest else above


def anchor_parts_to_row(number: int, parts: Sequence[tuple[int, Token]], columns: Sequence[Column], lines: dict[int, Line]) -> TextRow:
    """One body row: the anchor's tokens matched to the columns in order, every other part in
    the column it lies in; parts of one column joined top to bottom."""
    own = [t for n, t in parts if n == number]
    placed = dict(zip(map(id, own), assign_in_order(own, columns), strict=True))
    by_column: dict[int, list[tuple[int, int, str]]] = {}
    for line_number, token in parts:
        column = placed[id(token)] if line_number == number else token_column(token, columns)
        by_column.setdefault(column, []).append((line_number, token.start, token.text))
    cells = tuple(TextCell(text=join_parts(sorted(texts)), column=k) for k, texts in sorted(by_column.items()))
    numbers = [n for n, _ in parts] or [number]
    return TextRow(cells=cells, page=lines[number].page, first_line=min(numbers), last_line=max(numbers))


def join_parts(parts: Sequence[tuple[int, int, str]]) -> str:
    """Parts of one cell sorted by line and position: one line's parts joined with a space
    (words of one cell), lines joined without a break."""
    lines: dict[int, list[str]] = {}
    for line, _, text in parts:
        lines.setdefault(line, []).append(text)
    return join_fragments([" ".join(texts) for _, texts in sorted(lines.items())])


def line_key(text: str) -> str:
    return " ".join(text.split())


# --- header ---------------------------------------------------------------------------------------------


def best_shift(toks: Sequence[Token], columns: Sequence[Column]) -> int:
    """The shift that puts a header line's tokens nearest the centres of the columns."""
    def cost(shift: int) -> float:
        return sum(min(abs(c.center - (t.center + shift)) for c in columns) for t in short)

    short = [t for t in toks if len(t.text) == 1]
    if len(short) < 2:
        return 0
    return min(SHIFTS, key=lambda s: (cost(s), abs(s)))


def header_rows(lines: Sequence[Line], tokens: dict[int, tuple[Token, ...]], columns: Sequence[Column]) -> list[TextRow]:
    """Header rows from the header lines (``placed_to_header``), each row's cells joined from
    their parts top to bottom."""
    if not lines:
        return []
    placed = [line_to_placed(line, tokens[line.number], columns) for line in lines]
    rows = placed_to_header(placed, columns)
    out = []
    for cells in rows:
        numbers = [n for *_, items in cells for n, _ in items]
        if not numbers:
            continue
        out.append(TextRow(
            cells=tuple(TextCell(text=join_parts(sorted((n, t.start, t.text) for n, t in items)), column=c, col_span=span, row_span=down) for c, span, down, items in cells),
            page=lines[0].page,
            first_line=min(numbers),
            last_line=max(numbers),
        ))
    return out


Placed = dict[int, list[tuple[int, Token]]]  # column -> (line number, token) of one header line


def line_to_placed(line: Line, toks: Sequence[Token], columns: Sequence[Column]) -> Placed:
    """A header line's tokens by column, in order, one column each, nearest the columns'
    centres (``match_in_order``); single characters (stacked names) first moved by the shift
    that centres them best (a stacked name starts left of the mark below it), and every token
    by the drift that fits best: pdfplumber's layout mode prints a line of short Japanese
    labels drifting left by a fraction of a column per wide character before them."""
    shift = best_shift(toks, columns)
    wide = [sum(1 for t in toks[:k] for ch in t.text if display_width(ch) == 2) for k in range(len(toks))]
    targets = [c.center for c in columns]
    fits = []
    for drift in DRIFTS:
        centers = [t.center + (shift if len(t.text) == 1 else 0) + drift * w for t, w in zip(toks, wide, strict=True)]
        fits.append((match_cost(centers, targets), drift, match_in_order(centers, targets)))
    _, _, placed = min(fits, key=lambda f: (f[0], f[1]))
    cells: Placed = {}
    for t, column in zip(toks, placed, strict=True):
        cells.setdefault(column, []).append((line.number, t))
    return cells


def match_cost(points: Sequence[float], centers: Sequence[float]) -> float:
    return sum(abs(points[i] - centers[k]) for i, k in enumerate(match_in_order(points, centers)))


HeaderCell = tuple[int, int, int, list[tuple[int, Token]]]  # column, columns spanned, rows spanned, parts


def placed_to_header(placed: list[Placed], columns: Sequence[Column]) -> list[list[HeaderCell]]:
    """Header rows of (column, column span, row span, parts) cells:

    - characters stacked one per line in a column are one name (``旭`` ``川`` ``市``);
    - the line with most cells is the main row; a token below it, or of a line above it in a
      column the main row leaves empty, is part of a wrapped cell (``出生`` ``数``, ``事業費（千円``
      ``）``, or a cell spanning the header rows printed at their middle) and joins the main row;
    - a line with tokens over the main row's cells is a row of its own: a label per column
      (labels repeated over their group), or group labels each spanning the columns it is
      centred over (``header_spans``); a main-row cell with nothing above it spans every
      header row and is printed in the top one (as a spreadsheet copy prints a merged cell)."""
    names: Placed = {}
    for column in sorted({c for cells in placed for c in cells}):
        singles = [k for k, cells in enumerate(placed) if len(cells.get(column, ())) == 1 and len(cells[column][0][1].text) == 1]
        if len(singles) >= 2:
            names[column] = [item for k in singles for item in placed[k].pop(column)]
    main = max(range(len(placed)), key=lambda k: (len(placed[k]), k))
    main_cells: Placed = {c: list(items) for c, items in placed[main].items()}
    for column, items in names.items():
        main_cells.setdefault(column, []).extend(items)
    groups: list[tuple[int, Placed]] = []
    for k, cells in enumerate(placed):
        if k == main or not cells:
            continue
        cells = beside_empty_cells(cells, placed[main], len(columns))
        if k > main or all(column not in placed[main] for column in cells):
            for column, items in cells.items():
                main_cells.setdefault(column, []).extend(items)
        else:
            groups.append((k, cells))
    above = []
    for k, cells in groups:
        if k > main:
            continue
        if len(cells) * 5 >= len(main_cells) * 3:  # a label per column
            above.append([(c, 1, 1, items) for c, items in sorted(cells.items())])
            continue
        spans = header_spans(cells, main_cells, columns)
        if all(span == 1 for _, span, _, _ in spans):  # no group: the first parts of wrapped cells
            for column, items in cells.items():
                main_cells.setdefault(column, []).extend(items)
        else:
            above.append(spans)
    below = [[(c, 1, 1, items) for c, items in sorted(cells.items())] for k, cells in groups if k > main]
    covered = {c for row in above for first, span, _, _ in row for c in range(first, first + span)}
    main_row = [(c, 1, 1, items) for c, items in sorted(main_cells.items()) if not above or c in covered]
    if above:  # a main-row cell with nothing above it spans the header rows: printed in the top one
        spanning = [(c, 1, len(above) + 1, items) for c, items in main_cells.items() if c not in covered]
        above[0] = sorted(above[0] + spanning, key=lambda cell: cell[0])
    return [*above, main_row, *below]


def beside_empty_cells(cells: Placed, main: Placed, width: int) -> Placed:
    """A line of one or two parts whose part lies over a filled cell of the main row with an
    empty one beside it: the part is of the empty cell (a wrapped header printed around the
    main row's line, placed a column off by the tool's drift)."""
    if len(cells) > 2:
        return cells
    out: Placed = {}
    for column, items in cells.items():
        if column in main:
            free = [c for c in (column + 1, column - 1) if 0 <= c < width and c not in main and c not in cells]
            column = free[0] if free else column
        out.setdefault(column, []).extend(items)
    return out


def header_spans(cells: Placed, below: Placed, columns: Sequence[Column]) -> list[HeaderCell]:
    """Group labels over the row below: the columns between two labels are split at the
    midpoint of their centres; the first label reaches as far left, and the last as far right,
    as its centre puts it from the split it shares (a centred label)."""
    labels = sorted(((min(t.start for _, t in items), items) for items in cells.values()), key=lambda x: x[0])
    centers = [sum(t.center for _, t in items) / len(items) for _, items in labels]
    under = sorted(below)
    if not under:
        return [(c, 1, 1, items) for c, items in sorted(cells.items())]
    bounds: list[tuple[float, float]] = []
    for k, center in enumerate(centers):
        left = (centers[k - 1] + center) / 2 if k else None
        right = (center + centers[k + 1]) / 2 if k + 1 < len(centers) else None
        if left is None and right is not None:
            left = 2 * center - right
        if right is None and left is not None:
            right = 2 * center - left
        if left is None or right is None:
            left, right = center - 1, center + 1
        bounds.append((left, right))
    out = []
    for (left, right), (_, items) in zip(bounds, labels, strict=True):
        covered = [c for c in range(len(columns)) if left <= columns[c].center <= right]
        if not covered:
            covered = [token_column(items[0][1], columns)]
        out.append((covered[0], covered[-1] - covered[0] + 1, 1, items))
    return out
