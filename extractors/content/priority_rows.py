"""A priority-measure matrix as printed: its header (①…⑥ columns, ページ / NO), the section
heading above it and its rows, each read by counting back from its page cell
(``tables_to_matrices``, ``cells_to_row``; the method is in ``priority_matrix``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from extractors.model.document import Line
from extractors.model.provenance import NO_PROVENANCE, Provenance, table_row_provenance
from extractors.model.table import Table
from extractors.normalize.textnorm import circled_numbers_in, circled_to_int, nfkc_keep_marks

TABLE = "projects"
FLAG_DUPLICATE = "duplicate-number"
FLAG_MISSING_NAME = "missing-name"
FLAG_UNCERTAIN = "label-placement-uncertain"

# --- header ---------------------------------------------------------------------------------------

PAGE_HEADER_RE = re.compile(r"^(?:掲載)?(?:ページ|頁|page|p\.?)$", re.IGNORECASE)
NUMBER_HEADER_RE = re.compile(r"^(?:no\.?|№|番号|事業番号|通し番号)$", re.IGNORECASE)
MEASURE_GROUP_RE = re.compile(r"重点(?:施策|取組|項目)")
HEADER_SCAN = 4  # the header is within the first lines of a table block
MIN_MEASURES = 2

MARK_CHARS = frozenset("●○◎◯〇■✓✔")
NUMBER_CELL_RE = re.compile(r"^(?:[pP]\.?\s*)?(\d{1,4})(?:\s*(?:頁|ページ))?$")


@dataclass(frozen=True)
class MatrixHeader:
    """Where the header puts things: measure columns, and numeric fields before and after them."""

    measures: tuple[tuple[int, int], ...]  # (column, measure number), left to right
    leading: tuple[tuple[str, int], ...] = ()  # ("number", column) left of the measures
    trailing: tuple[tuple[str, int], ...] = ()  # ("page", 8), ("number", 9) right of them
    rows: int = 1  # header lines


@dataclass(frozen=True)
class Matrix:
    """One priority matrix: its header, data lines, the section heading above it and the table
    it was read from."""

    header: MatrixHeader
    lines: tuple[Line, ...]
    heading: str | None
    table: int = 0
    sources: Mapping[int, Provenance] = field(default_factory=dict, compare=False)  # document line -> where its row was printed


def tables_to_matrices(tables: Sequence[Table]) -> list[Matrix]:
    """Every table (or part of one, split at repeated headers) that is a priority matrix."""
    matrices = []
    for table in tables:
        heading = context_to_heading(table.context)
        all_lines = table.as_lines()
        sources = {line.number: table_row_provenance(table, r) for r, line in enumerate(all_lines)}
        for header, lines in table_lines_to_parts(all_lines):
            matrices.append(Matrix(header, tuple(lines), heading, table.index, sources))
    return matrices


def table_lines_to_parts(lines: Sequence[Line]) -> list[tuple[MatrixHeader, list[Line]]]:
    """Split a table at each header it contains: (header, data lines) per matrix."""
    parts: list[tuple[MatrixHeader, list[Line]]] = []
    i = 0
    while i < len(lines):
        found = lines_to_header([cells_of(line) for line in lines[i : i + HEADER_SCAN]])
        if found is not None:
            header, start = found
            parts.append((header, []))
            i += start + header.rows
            continue
        if parts:
            parts[-1][1].append(lines[i])
        i += 1
    return [(header, body) for header, body in parts if body]


def cells_of(line: Line) -> list[str]:
    return [nfkc_keep_marks(cell.text).strip() for cell in line.cells]


def lines_to_header(rows: Sequence[Sequence[str]]) -> tuple[MatrixHeader, int] | None:
    """(header, offset of its first line) when a ページ or NO row with measure columns is here.

    The measure columns are circled numbers (①…⑥, in the same row or the rows below) or plain
    digits below a 重点施策 cell."""
    for start, cells in enumerate(rows):
        fields = [(_numeric_field(c), i) for i, c in enumerate(cells) if _numeric_field(c)]
        if not fields:
            continue
        for depth in range(0, len(rows) - start):
            measures = cells_to_measures(rows[start + depth], rows[start : start + depth])
            if len(measures) >= MIN_MEASURES:
                first = measures[0][0]
                leading = tuple((kind, col) for kind, col in fields if col < first)
                trailing = tuple((kind, col) for kind, col in fields if col > first)
                return MatrixHeader(measures, leading, trailing, rows=depth + 1), start
        return None
    return None


def _numeric_field(cell: str) -> str | None:
    if PAGE_HEADER_RE.match(cell):
        return "page"
    if NUMBER_HEADER_RE.match(cell):
        return "number"
    return None


def cells_to_measures(cells: Sequence[str], above: Sequence[Sequence[str]]) -> tuple[tuple[int, int], ...]:
    """Measure columns of one header row: ``①`` cells, or digits under a 重点施策 cell."""
    circled = [(i, circled_numbers_in(c)[0]) for i, c in enumerate(cells) if _is_circled_cell(c)]
    if len(circled) >= MIN_MEASURES:
        return tuple(circled)
    group = [i for row in above for i, c in enumerate(row) if MEASURE_GROUP_RE.search(c)]
    if not group:
        return ()
    digits = [(i, int(c)) for i, c in enumerate(cells) if i >= min(group) and c.isdigit() and int(c) <= 20]
    return tuple(digits) if len(digits) >= MIN_MEASURES else ()


def _is_circled_cell(cell: str) -> bool:
    text = MEASURE_GROUP_RE.sub("", cell).strip()
    return len(text) == 1 and circled_to_int(text) is not None


# --- section heading ------------------------------------------------------------------------------

HEADING_RE = re.compile(r"^(?:\d{1,2}|[IVXⅠ-Ⅻ]{1,4}|第\s*[\d一二三四五六七八九十]+\s*[章節部])[\s.．、]\s*\S")
MAX_HEADING = 60


def context_to_heading(context: Sequence[str]) -> str | None:
    """The nearest numbered heading before the table (``1 …``, ``第2章 …``): the top category."""
    for text in reversed(context):
        line = nfkc_keep_marks(text).strip()
        if HEADING_RE.match(line) and "。" not in line and len(line) <= MAX_HEADING:
            return re.sub(r"\s+", " ", line)
    return None


# --- rows -----------------------------------------------------------------------------------------

# Category markers: their kind decides the level, their value the place in the sequence.
KANA_ORDER = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
MARKER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("paren-digit", re.compile(r"^\((\d{1,2})\)\s*(\S.*)$")),
    ("paren-latin", re.compile(r"^\(([a-zA-Z])\)\s*(\S.*)$")),
    ("paren-kana", re.compile(r"^\(([ア-ン])\)\s*(\S.*)$")),
    ("digit", re.compile(r"^(\d{1,2})[\s.．、]\s*(\D.*)$")),
    ("latin", re.compile(r"^([a-z])[\s.．)]\s*(\S.*)$")),
    ("LATIN", re.compile(r"^([A-Z])[\s.．)]\s*(\S.*)$")),
    ("kana", re.compile(r"^([ア-ン])[\s.．、)]\s*(\S.*)$")),
    ("unknown", re.compile(r"^([^\s\x00-\x7f])\s+(\S.*)$")),  # one stray character, then a space
)
# Conventional nesting when no row prints two levels side by side (1 > (1) > A > a > ア > (ア)).
KIND_RANK = {
    "plain": 0,
    "digit": 1,
    "paren-digit": 2,
    "LATIN": 3,
    "latin": 4,
    "kana": 5,
    "paren-latin": 6,
    "paren-kana": 7,
    "unknown": 8,
}


@dataclass(frozen=True)
class Marker:
    kind: str
    value: int | None  # 1 for a, (1), ア …; None when the kind has no order
    text: str  # as printed


@dataclass(frozen=True)
class PrintedLabel:
    """A category label as printed: ``text`` is kept as written (NFKC), ``body`` without marker."""

    text: str
    body: str
    marker: Marker
    column: int


@dataclass(frozen=True)
class MatrixRow:
    """One data line of a matrix, read."""

    line: int  # document line number
    page_of_line: int
    labels: tuple[PrintedLabel, ...]
    name: str | None
    measures: tuple[int, ...]
    page: int | None
    number: int | None
    stray_marks: int = 0  # marks outside the measure columns
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # where the row was printed

    def location(self) -> str:
        return f"page {self.page_of_line}, line {self.line}"


def text_to_marker(text: str) -> tuple[Marker, str] | None:
    """(marker, body) when ``text`` starts with a category marker: ``a …``, ``(1) …``, ``ア …``."""
    for kind, pattern in MARKER_PATTERNS:
        match = pattern.match(text)
        if match:
            return Marker(kind, marker_value(kind, match.group(1)), match.group(1)), match.group(2).strip()
    return None


def marker_value(kind: str, text: str) -> int | None:
    if kind in ("digit", "paren-digit"):
        return int(text)
    if kind in ("latin", "LATIN", "paren-latin"):
        return ord(text.lower()) - ord("a") + 1
    if kind in ("kana", "paren-kana"):
        return KANA_ORDER.index(text) + 1 if text in KANA_ORDER else None
    return None


def cells_to_row(cells: Sequence[str], header: MatrixHeader, line: Line, source: Provenance = NO_PROVENANCE) -> MatrixRow:
    """Read one line: numbers, marks aligned on the header, then labels and name."""
    numbers, used = cells_to_numbers(cells, header)
    shift = row_shift(numbers, header)
    window = {col + shift: number for col, number in header.measures}
    measures = tuple(sorted(n for col, n in window.items() if _is_mark(_at(cells, col))))
    stray = sum(1 for i, c in enumerate(cells) if _is_mark(c) and i not in window)
    texts = [(i, c) for i, c in enumerate(cells) if c and i not in used and not _is_mark(c)]
    labels, name = texts_to_labels_and_name(texts)
    return MatrixRow(
        line=line.number,
        page_of_line=line.page,
        labels=labels,
        name=name,
        measures=measures,
        page=numbers.get("page", (None, None))[1],
        number=numbers.get("number", (None, None))[1],
        stray_marks=stray,
        source=source,
    )


def cells_to_numbers(cells: Sequence[str], header: MatrixHeader) -> tuple[dict[str, tuple[int, int]], set[int]]:
    """{field: (column, value)}: trailing fields are the last numeric cells, in header order;
    leading fields the first numeric cells before any text."""
    numeric = [(i, int(m.group(1))) for i, c in enumerate(cells) if (m := NUMBER_CELL_RE.match(c))]
    found: dict[str, tuple[int, int]] = {}
    tail = numeric[-len(header.trailing) :] if header.trailing else []
    if len(tail) < len(header.trailing):  # fewer numbers than fields: match by column
        for col, value in tail:
            kind = min(header.trailing, key=lambda f: abs(f[1] - col))[0]
            found.setdefault(kind, (col, value))
    else:
        found.update({kind: cell for (kind, _), cell in zip(header.trailing, tail, strict=True)})
    first_text = next((i for i, c in enumerate(cells) if c and not NUMBER_CELL_RE.match(c) and not _is_mark(c)), len(cells))
    head = [(i, v) for i, v in numeric if i < first_text and (i, v) not in tail]
    for (kind, _), cell in zip(header.leading, head, strict=False):
        found.setdefault(kind, cell)
    return found, {col for col, _ in found.values()}


def row_shift(numbers: Mapping[str, tuple[int, int]], header: MatrixHeader) -> int:
    """How far this row's cells sit right of the header's: from the first trailing number found."""
    for kind, col in header.trailing:
        if kind in numbers:
            return numbers[kind][0] - col
    return 0


def texts_to_labels_and_name(texts: Sequence[tuple[int, str]]) -> tuple[tuple[PrintedLabel, ...], str | None]:
    """Cells with a category marker are labels; the last unmarked cell is the name, and
    unmarked cells before it are labels without marker (kind ``plain``)."""
    labels: list[PrintedLabel] = []
    plain: list[tuple[int, str]] = []
    for col, text in texts:
        parsed = text_to_marker(text)
        if parsed is None:
            plain.append((col, text))
        else:
            marker, body = parsed
            labels.append(PrintedLabel(text=re.sub(r"\s+", " ", text), body=body, marker=marker, column=col))
    name = plain[-1][1] if plain else None
    labels += [PrintedLabel(text, text, Marker("plain", None, ""), col) for col, text in plain[:-1]]
    return tuple(sorted(labels, key=lambda label: label.column)), name


def _at(cells: Sequence[str], col: int) -> str:
    return cells[col] if 0 <= col < len(cells) else ""


def _is_mark(cell: str) -> bool:
    return len(cell) == 1 and cell in MARK_CHARS
