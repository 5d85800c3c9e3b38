"""Priority-measure matrices (joint projects × priority measures ①…⑥) -> ``projects``.

A plan lists its joint projects under a policy hierarchy (section heading, then lettered or
numbered fields such as ``(1) …`` and ``a …``), marks each project against the priority measures
①…⑥ and prints the page that describes it and its NO. Text extraction damages such tables in
typical ways, and each step below undoes one kind of damage:

``tables_to_matrices``   find the header (①…⑥ columns plus ページ / NO) and the section heading
``cells_to_row``         read a row: marks aligned on the header's measure columns counted back
                         from the page cell (the last two numbers are page and NO), so a row with
                         an extra or missing leading cell still reads right
``rows_to_entries``      label-only rows become labels (not projects), repeated prints are kept
                         once, a shared NO or a missing name is flagged, never repaired
``anchors_to_levels``    category markers (a, b …; (1), (2) …) give each label its level; a marker
                         that breaks its sequence (OCR garbage) is read as the one expected there
``place_labels``         each label's first row is chosen among rows near where it was printed,
                         weighing the distance, page changes and the GiNZA similarity of label
                         and project names (see ``place_chain`` for the decision rule)
``entries_to_projects``  ``ProjectRow`` per project; ``reading_to_issues`` the coded issues
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document, Line
from extractors.model.provenance import NO_PROVENANCE, Provenance, table_row_provenance
from extractors.model.table import Table
from extractors.normalize.textnorm import circled_numbers_in, circled_to_int, nfkc_keep_marks
from schemas.quality import Code, Issue, Severity
from schemas.tables import ProjectRow

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


# --- entries: projects and label anchors ----------------------------------------------------------

TIE_DISTANCE = 3  # a label-only row is tied to a row with its NO at most this many rows away


@dataclass(frozen=True)
class Entry:
    """A project of the matrix (one per distinct printed project)."""

    row: MatrixRow
    position: int  # index of its row in the matrix (print order)
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anchor:
    """Where a label was printed: next to project ``project`` (an index into the entries).

    ``fixed``: the layout proves the label covers that project (a label-only row that repeats
    the project's NO, or a label alone on the row above it). ``level`` and ``value`` are set by
    ``anchors_to_levels``; ``repaired`` holds the marker the sequence expected where the printed
    one broke it."""

    label: PrintedLabel
    order: int  # print order in the matrix
    project: int
    fixed: bool = False
    level: int = 0
    value: int | None = None
    repaired: str | None = None


@dataclass(frozen=True)
class Entries:
    projects: tuple[Entry, ...]
    anchors: tuple[Anchor, ...]
    issues: tuple[Issue, ...]


def rows_to_entries(rows: Sequence[MatrixRow]) -> Entries:
    """Decide which rows are projects, and next to which project each label was printed.

    - a row with labels and no name whose NO is on a nearby named row is a label-only row:
      its labels belong to that project (fixed); a label-only row without NO labels the next
      project (fixed); a label-only row with a NO of its own is a project with a missing name;
    - a row repeating an earlier row's NO and name is a duplicate print: kept once, flagged;
    - a row repeating a NO with another name is a distinct project sharing the number: flagged;
    - a row with neither NO, page nor marks is not a project (a note or a wrapped cell).
    """
    projects: list[Entry] = []
    anchors: list[Anchor] = []
    issues: list[Issue] = []
    pending: list[tuple[int, PrintedLabel]] = []  # label-only rows without NO: for the next project
    ties = label_only_ties(rows)
    tied: dict[int, list[tuple[int, PrintedLabel]]] = {}
    for i, row in enumerate(rows):
        if row.name is None and i in ties:
            tied.setdefault(ties[i], []).extend((i, label) for label in row.labels)
            issues.append(
                _issue(
                    Code.DUPLICATE_NUMBER,
                    Severity.INFO,
                    row,
                    f"NO {row.number} is printed again on a row that carries only category labels ({_texts(row.labels)}); "
                    "read as the labels of that project",
                )
            )
        elif row.number is None and row.page is None and not row.measures:
            pending += [(i, label) for label in row.labels]
            if row.name:
                issues.append(
                    _issue(
                        Code.UNPARSED_VALUE, Severity.INFO, row, f"'{row.name}' has no NO, page or mark; not read as a project"
                    )
                )
        elif (duplicate := _same_print(projects, row)) is not None:
            projects[duplicate] = _flagged(projects[duplicate], FLAG_DUPLICATE)
            anchors += [_anchor(i, label, duplicate, False) for label in row.labels]
            twice = _issue(
                Code.DUPLICATE_NUMBER,
                Severity.WARNING,
                row,
                f"project NO {row.number} '{row.name}' is printed twice (also line {projects[duplicate].row.line}); kept once",
            )
            issues.append(replace(twice, row=projects[duplicate].row))  # about the project kept
        else:
            index = len(projects)
            issues += project_issues(projects, row)
            projects = [_flagged(e, FLAG_DUPLICATE) if _shares_number(e, row) else e for e in projects]
            projects.append(Entry(row, i, project_flags(projects, row)))
            anchors += [_anchor(j, label, index, True) for j, label in pending + tied.pop(i, [])]
            anchors += [_anchor(i, label, index, False) for label in row.labels]
            pending = []
    issues += [
        _issue(
            Code.LABEL_PLACEMENT_UNCERTAIN,
            Severity.INFO,
            rows[j],
            f"label '{label.text}' is printed after the last project; ignored",
        )
        for j, label in pending
    ]
    return Entries(tuple(projects), tuple(sorted(anchors, key=lambda a: a.order)), tuple(issues))


ROW_ORDER = 1000  # print order of a label: row index * ROW_ORDER + column


def _anchor(row: int, label: PrintedLabel, project: int, fixed: bool) -> Anchor:
    return Anchor(label, row * ROW_ORDER + label.column, project, fixed)


def _name_text(row: MatrixRow) -> str:
    return f"'{row.name}'" if row.name else "a project without name"


def _shares_number(entry: Entry, row: MatrixRow) -> bool:
    return row.number is not None and entry.row.number == row.number


def project_flags(earlier: Sequence[Entry], row: MatrixRow) -> tuple[str, ...]:
    """Flags of a new project: a NO an earlier project has, a missing name."""
    shared = any(_shares_number(e, row) for e in earlier)
    return ((FLAG_DUPLICATE,) if shared else ()) + ((FLAG_MISSING_NAME,) if row.name is None else ())


def project_issues(earlier: Sequence[Entry], row: MatrixRow) -> list[Issue]:
    issues = []
    for other in (e for e in earlier if _shares_number(e, row)):
        issues.append(
            _issue(
                Code.DUPLICATE_NUMBER,
                Severity.WARNING,
                row,
                f"NO {row.number} is shared by {_name_text(row)} and {_name_text(other.row)} (line {other.row.line}); both kept",
            )
        )
    if row.name is None:
        issues.append(
            _issue(
                Code.MISSING_NAME,
                Severity.WARNING,
                row,
                f"project NO {row.number} has no name (the row carries {_texts(row.labels) or 'no text'}); left empty",
            )
        )
    return issues


def label_only_ties(rows: Sequence[MatrixRow]) -> dict[int, int]:
    """{label-only row: named row with the same NO}, the nearest one within ``TIE_DISTANCE``."""
    ties = {}
    for i, row in enumerate(rows):
        if row.name is not None or not row.labels or row.number is None:
            continue
        near = [
            j
            for j in range(max(0, i - TIE_DISTANCE), min(len(rows), i + TIE_DISTANCE + 1))
            if rows[j].name is not None
            and rows[j].number == row.number
            and (row.page is None or rows[j].page in (None, row.page))
        ]
        if near:
            ties[i] = min(near, key=lambda j: (abs(j - i), j < i))
    return ties


def _same_print(projects: Sequence[Entry], row: MatrixRow) -> int | None:
    for j, entry in enumerate(projects):
        if row.number is not None and entry.row.number == row.number and entry.row.name == row.name and row.name:
            return j
    return None


def _flagged(entry: Entry, flag: str) -> Entry:
    return entry if flag in entry.flags else replace(entry, flags=entry.flags + (flag,))


def _texts(labels: Sequence[PrintedLabel]) -> str:
    return ", ".join(f"'{label.text}'" for label in labels)


def _issue(code: Code, severity: Severity, row: MatrixRow, message: str) -> Issue:
    """An issue about a line of a matrix (``Issue.row`` holds it until ``issue_to_project`` names the
    project read from it)."""
    return Issue(code, severity, message, table=TABLE, location=row.location(), table_id=row.source.table_id, row=row)


# --- levels ---------------------------------------------------------------------------------------


def anchors_to_levels(anchors: Sequence[Anchor]) -> tuple[tuple[Anchor, ...], int]:
    """Give each label its level (0 = top) and sequence value; repair markers that break the
    sequence. Returns (anchors in print order, number of levels)."""
    anchors = repair_markers(anchors)
    order = kinds_in_level_order(anchors)
    levels = {kind: i for i, kind in enumerate(order)}
    return tuple(replace(a, level=levels[_kind(a)]) for a in anchors), len(order)


def _kind(anchor: Anchor) -> str:
    return anchor.label.marker.kind


def kinds_in_level_order(anchors: Sequence[Anchor]) -> list[str]:
    """Kinds from top level down: a row printing two kinds side by side puts the left one higher;
    otherwise the conventional nesting ``KIND_RANK``."""
    kinds = sorted({_kind(a) for a in anchors}, key=KIND_RANK.__getitem__)
    above: Counter[tuple[str, str]] = Counter()
    for a, b in _side_by_side(anchors):
        above[(_kind(a), _kind(b))] += 1
    return sorted(kinds, key=lambda k: (-sum(above[(k, other)] - above[(other, k)] for other in kinds), KIND_RANK[k]))


def _side_by_side(anchors: Sequence[Anchor]) -> list[tuple[Anchor, Anchor]]:
    """Pairs of labels printed on the same row, left first."""
    pairs = []
    for a, b in zip(anchors, anchors[1:], strict=False):
        if a.order // ROW_ORDER == b.order // ROW_ORDER and _kind(a) != _kind(b):
            pairs.append((a, b))
    return pairs


def repair_markers(anchors: Sequence[Anchor]) -> tuple[Anchor, ...]:
    """Set each label's sequence value; a label whose kind is not an established sequence in
    this table (no value 1, no two consecutive values) takes the kind and value that fit the
    sequences best at its place, e.g. a stray kana between ``(2)`` and a new ``a`` reads as ``(3)``."""
    anchors = tuple(replace(a, value=a.label.marker.value) for a in anchors)
    established = established_kinds(anchors)
    if not established:
        return anchors
    out = list(anchors)
    for i, a in enumerate(anchors):
        if _kind(a) in established or _kind(a) == "plain":
            continue
        best = min(established, key=lambda kind: (_violations_if(out, i, kind, established), KIND_RANK[kind]))
        value = _expected_value(out, i, best)
        marker = replace(a.label.marker, kind=best)
        out[i] = replace(a, label=replace(a.label, marker=marker), value=value, repaired=marker_text(best, value))
    return tuple(out)


def established_kinds(anchors: Sequence[Anchor]) -> list[str]:
    """Kinds that form a sequence here: a value 1, or two consecutive values."""
    values: dict[str, list[int]] = {}
    for a in anchors:
        if a.value is not None:
            values.setdefault(_kind(a), []).append(a.value)
    return [kind for kind, vs in values.items() if 1 in vs or any(b == a + 1 for a, b in zip(vs, vs[1:], strict=False))]


def _violations_if(anchors: Sequence[Anchor], i: int, kind: str, established: Sequence[str]) -> int:
    """Sequence violations of the established kinds if label ``i`` were of ``kind``."""
    trial = list(anchors)
    value = _expected_value(trial, i, kind)
    trial[i] = replace(trial[i], label=replace(trial[i].label, marker=replace(trial[i].label.marker, kind=kind)), value=value)
    known = [a for j, a in enumerate(trial) if j == i or _kind(a) in established]
    order = kinds_in_level_order(known)
    return sum(sequence_violations(known, order, k) for k in order)


def _expected_value(anchors: Sequence[Anchor], i: int, kind: str) -> int:
    """The value the sequence of ``kind`` expects at print position ``i`` (ignoring resets)."""
    before = [a.value for a in anchors[:i] if _kind(a) == kind and a.value is not None]
    after = [a.value for a in anchors[i + 1 :] if _kind(a) == kind and a.value is not None]
    if after and after[0] > 1 and (not before or before[-1] + 2 == after[0]):
        return after[0] - 1
    return before[-1] + 1 if before else 1


def sequence_violations(anchors: Sequence[Anchor], order: Sequence[str], kind: str) -> int:
    """Labels of ``kind`` that are neither the previous value + 1 nor, after a label of a higher
    level, a restart at 1 (the first label of a kind may start anywhere: tables continue)."""
    higher = set(order[: order.index(kind)])
    count, previous, reset = 0, None, True
    for a in anchors:
        if _kind(a) in higher:
            reset = True
        elif _kind(a) == kind and a.value is not None:
            if previous is not None and a.value not in ({1, previous + 1} if reset else {previous + 1}):
                count += 1
            previous, reset = a.value, False
    return count


def marker_text(kind: str, value: int) -> str:
    if kind == "paren-digit":
        return f"({value})"
    if kind == "digit":
        return str(value)
    if kind in ("latin", "LATIN", "paren-latin"):
        letter = chr(ord("a") + value - 1)
        letter = letter.upper() if kind == "LATIN" else letter
        return f"({letter})" if kind == "paren-latin" else letter
    if kind in ("kana", "paren-kana") and value <= len(KANA_ORDER):
        return KANA_ORDER[value - 1] if kind == "kana" else f"({KANA_ORDER[value - 1]})"
    return "?"


# --- label placement ------------------------------------------------------------------------------

Similarity = Callable[[str, str], float]


@dataclass(frozen=True)
class PlacementSettings:
    """Weights of the evidence ``place_chain`` combines (similarities are in [0, 1])."""

    window: int = 2  # a label is printed at most this many rows from the first row it covers
    distance_cost: float = 0.12  # per row between where a label is printed and its first row
    shift_change_cost: float = 0.1  # when a label is displaced differently from the one before
    page_bonus: float = 0.1  # a field tends to start where the page reference changes
    parent_weight: float = 0.5  # weight of the labels above a leaf in a row's affinity to it
    uncertain_margin: float = 0.1  # a placement winning by less is reported as uncertain

    def __post_init__(self) -> None:
        weights = (self.distance_cost, self.shift_change_cost, self.page_bonus, self.parent_weight, self.uncertain_margin)
        if self.window < 0 or min(weights) < 0:
            raise ValueError("placement settings must not be negative")


@dataclass(frozen=True)
class Slot:
    """A leaf label (no label below it) in the chain, and where its rows may start."""

    anchor: int  # index into the anchors
    printed: int  # matrix row where the label is printed
    candidates: tuple[tuple[int, float], ...]  # (first project, prior = minus the distance cost)
    contains: tuple[int, ...] = ()  # projects the label must cover (fixed anchors)


@dataclass(frozen=True)
class ChainResult:
    starts: tuple[int, ...]
    runner_up: tuple[int | None, ...]  # best other first project of each slot
    margins: tuple[float, ...]  # score lost by taking the runner-up instead


@dataclass(frozen=True)
class Placement:
    """For each project, the anchor index of its label at each level (None: no label)."""

    labels: tuple[tuple[int | None, ...], ...]
    uncertain: tuple[tuple[int, str], ...] = ()  # (project, message)
    issues: tuple[Issue, ...] = field(default=())


def anchors_to_parents(anchors: Sequence[Anchor], window: int) -> tuple[int | None, ...]:
    """Parent of each label: the nearest label one level up before it in print order; a first
    child (value 1) printed just before the next parent's label belongs to that parent."""
    parents: list[int | None] = []
    for i, a in enumerate(anchors):
        before = [j for j in range(i) if anchors[j].level == a.level - 1]
        after = [j for j in range(i + 1, len(anchors)) if anchors[j].level == a.level - 1]
        parent = before[-1] if before else None
        if (
            a.value == 1
            and after
            and _has_first_child(anchors, parents, parent)
            and abs(anchors[after[0]].project - a.project) <= window
        ):
            parent = after[0]
        parents.append(parent)
    return tuple(parents)


def _has_first_child(anchors: Sequence[Anchor], parents: Sequence[int | None], parent: int | None) -> bool:
    return parent is None or any(p == parent and anchors[j].value == 1 for j, p in enumerate(parents))


def leaves_to_slots(
    anchors: Sequence[Anchor], parents: Sequence[int | None], positions: Sequence[int], settings: PlacementSettings
) -> list[Slot]:
    """One slot per leaf label, in print order. Candidates are the projects printed within
    ``window`` rows of the label (or of the labels above it, for their first child), each with
    the distance cost; the first slot starts at the first project unless printed far below it."""
    has_child = {p for p in parents if p is not None}
    leaves = [i for i in range(len(anchors)) if i not in has_child]
    slots = []
    for k, i in enumerate(leaves):
        chain = [i, *_first_child_ancestors(i, parents)]
        printed = [anchors[j].order // ROW_ORDER for j in chain]
        contains = tuple(anchors[j].project for j in chain if anchors[j].fixed)

        distance = [min(abs(position - row) for row in printed) for position in positions]
        near = [p for p, d in enumerate(distance) if d <= settings.window] or [distance.index(min(distance))]
        if k == 0 and distance[0] <= settings.window:
            near = [0]
        slots.append(Slot(i, printed[0], tuple((p, -settings.distance_cost * distance[p]) for p in near), contains))
    return slots


def _first_child_ancestors(i: int, parents: Sequence[int | None]) -> list[int]:
    """Ancestors of label ``i`` whose first child (down to ``i``) is ``i``'s line."""
    out = []
    child, parent = i, parents[i]
    while parent is not None and min(j for j, p in enumerate(parents) if p == parent) == child:
        out.append(parent)
        child, parent = parent, parents[parent]
    return out


def place_chain(
    slots: Sequence[Slot], affinity: np.ndarray, boundary: np.ndarray, positions: Sequence[int], shift_change_cost: float
) -> ChainResult | None:
    """First project of each slot, maximizing

        sum over projects of affinity(project, its slot)   (GiNZA similarity of name and label)
      + sum over slots of prior(first project)             (minus the distance from the label)
      + sum over boundaries of boundary(first project)     (page reference changes there)
      - shift_change_cost for each slot displaced differently from the slot before it

    under: first projects strictly increase (each label covers a project) and each slot covers
    the projects it must contain. The last term says extraction damage shifts a run of labels
    alike. Exact dynamic programming over the candidates; the margin of a slot is what the best
    placement loses when that slot takes its best other candidate (max-marginals), so a small
    margin means the evidence hardly decided. None when no placement meets the constraints.
    """
    n, k = affinity.shape
    cum = np.vstack([np.zeros((1, k)), np.cumsum(affinity, axis=0)])

    def shift(i: int, start: int) -> int:
        return positions[start] - slots[i].printed

    def step(i: int, start: int, end: int, prior: float) -> float:
        """Slot ``i`` covering projects [start, end) and slot i + 1 starting at ``end``."""
        if start >= end or any(not start <= r < end for r in slots[i].contains):
            return -math.inf
        change = shift_change_cost if shift(i, start) != shift(i + 1, end) else 0.0
        return float(cum[end, i] - cum[start, i]) + prior + float(boundary[end]) - change

    def last(start: int) -> float:
        ok = all(start <= r for r in slots[-1].contains)
        return float(cum[n, k - 1] - cum[start, k - 1]) if ok else -math.inf

    forward = [{s: p - (shift_change_cost if shift(0, s) else 0.0) for s, p in slots[0].candidates}]
    for i in range(1, k):
        forward.append(
            {
                s: max((f + step(i - 1, t, s, p) for t, f in forward[-1].items()), default=-math.inf)
                for s, p in slots[i].candidates
            }
        )
    backward = [{s: last(s) for s, _ in slots[-1].candidates}]
    for i in range(k - 2, -1, -1):
        after = backward[0]
        backward.insert(
            0,
            {
                s: max((step(i, s, t, p) + after[t] for t, p in slots[i + 1].candidates), default=-math.inf)
                for s, _ in slots[i].candidates
            },
        )
    totals = [{s: forward[i][s] + backward[i][s] for s in forward[i]} for i in range(k)]
    best = max(totals[0].values())
    if best == -math.inf:
        return None
    starts = [max(totals[0], key=lambda s: (totals[0][s], -s))]
    for i in range(1, k):
        options = {t: step(i - 1, starts[-1], t, p) + backward[i][t] for t, p in slots[i].candidates}
        starts.append(max(options, key=lambda t: (options[t], -t)))
    runners, margins = zip(*(_runner_up(totals[i], starts[i], best) for i in range(k)), strict=True)
    return ChainResult(tuple(starts), tuple(runners), tuple(margins))


def _runner_up(marginal: Mapping[int, float], start: int, best: float) -> tuple[int | None, float]:
    others = [(s, v) for s, v in marginal.items() if s != start and v > -math.inf]
    if not others:
        return None, math.inf
    s, v = max(others, key=lambda item: (item[1], -abs(item[0] - start)))
    return s, best - v


def place_labels(
    anchors: Sequence[Anchor],
    projects: Sequence[Entry],
    levels: int,
    similarity: Similarity,
    settings: PlacementSettings = PlacementSettings(),
) -> Placement:
    """Which label covers each project at each level (see ``place_chain`` for the rule)."""
    n = len(projects)
    rows = [e.row for e in projects]
    positions = [e.position for e in projects]
    parents = anchors_to_parents(anchors, settings.window)
    slots = leaves_to_slots(anchors, parents, positions, settings)
    if not slots or n == 0:
        return Placement(tuple((None,) * levels for _ in range(n)))
    affinity = slots_to_affinity(slots, anchors, parents, rows, similarity, settings.parent_weight)
    boundary = rows_to_boundary(rows, settings.page_bonus)
    result = place_chain(slots, affinity, boundary, positions, settings.shift_change_cost)
    issues: tuple[Issue, ...] = ()
    if result is None:  # the fixed anchors contradict each other: let the evidence decide alone
        slots = [replace(slot, contains=()) for slot in slots]
        result = place_chain(slots, affinity, boundary, positions, settings.shift_change_cost)
        issues = (
            _issue(
                Code.LABEL_PLACEMENT_UNCERTAIN,
                Severity.WARNING,
                rows[0],
                "label-only rows contradict each other; their labels were placed by the other evidence alone",
            ),
        )
    if result is None:  # more labels than projects: some labels cannot cover a project
        return Placement(
            tuple((None,) * levels for _ in range(n)),
            issues=(
                _issue(
                    Code.LABEL_PLACEMENT_UNCERTAIN,
                    Severity.WARNING,
                    rows[0],
                    "more category labels than projects; categories left empty",
                ),
            ),
        )
    labels = tuple(_labels_of_row(r, slots, result.starts, anchors, parents, levels) for r in range(n))
    uncertain = tuple(_uncertain_rows(slots, result, anchors, rows, settings.uncertain_margin))
    return Placement(labels, uncertain, issues)


def slots_to_affinity(
    slots: Sequence[Slot],
    anchors: Sequence[Anchor],
    parents: Sequence[int | None],
    rows: Sequence[MatrixRow],
    similarity: Similarity,
    parent_weight: float,
) -> np.ndarray:
    """affinity[project, slot]: similarity of the project name to the leaf label, plus
    ``parent_weight`` (squared, cubed … going up) times its similarity to the labels above."""
    out = np.zeros((len(rows), len(slots)))
    for k, slot in enumerate(slots):
        chain = [slot.anchor, *_ancestors(slot.anchor, parents)]
        for r, row in enumerate(rows):
            if row.name:
                out[r, k] = sum(
                    parent_weight**depth * similarity(row.name, anchors[j].label.body) for depth, j in enumerate(chain)
                )
    return out


def rows_to_boundary(rows: Sequence[MatrixRow], page_bonus: float) -> np.ndarray:
    """boundary[r]: layout evidence that a label starts at project r. Rows of one field are
    described on consecutive pages and a field often starts a page, so a change of page
    reference between projects r - 1 and r earns ``page_bonus``."""
    out = np.zeros(len(rows))
    for r in range(1, len(rows)):
        before, here = rows[r - 1].page, rows[r].page
        if before is not None and here is not None and before != here:
            out[r] = page_bonus
    return out


def _project_text(row: MatrixRow) -> str:
    return f"NO {row.number} '{row.name or ''}'"


def _ancestors(i: int, parents: Sequence[int | None]) -> list[int]:
    out = []
    while (parent := parents[i]) is not None:
        out.append(parent)
        i = parent
    return out


def _labels_of_row(
    r: int, slots: Sequence[Slot], starts: Sequence[int], anchors: Sequence[Anchor], parents: Sequence[int | None], levels: int
) -> tuple[int | None, ...]:
    covering = [k for k, start in enumerate(starts) if start <= r]
    out: list[int | None] = [None] * levels
    if covering:
        leaf = slots[covering[-1]].anchor
        for j in [leaf, *_ancestors(leaf, parents)]:
            out[anchors[j].level] = j
    return tuple(out)


def _uncertain_rows(
    slots: Sequence[Slot], result: ChainResult, anchors: Sequence[Anchor], rows: Sequence[MatrixRow], threshold: float
) -> list[tuple[int, str]]:
    """(project, message) for projects that change label between the best placement and a
    runner-up scoring within ``threshold``."""
    out = []
    for slot, start, runner, margin in zip(slots, result.starts, result.runner_up, result.margins, strict=True):
        if runner is None or margin >= threshold:
            continue
        label = anchors[slot.anchor].label.text
        message = (
            f"label '{label}' placed from {_project_text(rows[start])} "
            f"(next best: from {_project_text(rows[runner])}, margin {margin:.3f})"
        )
        out += [(r, message) for r in range(min(start, runner), max(start, runner))]
    return out


# --- similarity with GiNZA ------------------------------------------------------------------------

CONTENT_TAGS = ("名詞", "動詞-一般", "形容詞", "形状詞")
NON_CONTENT_TAGS = ("名詞-数詞",)


@dataclass(frozen=True)
class Word:
    lemma: str
    weight: float  # IDF over the document's names and labels
    vector: np.ndarray | None  # unit GiNZA word vector; None when out of vocabulary


def texts_to_similarity(texts: Sequence[str]) -> Similarity:
    """GiNZA similarity of the given texts (the names and labels of one document), built in
    one batch: Sudachi tokenization only (every pipeline component disabled), then GiNZA's
    static word vectors of the content words (nouns, verbs, adjectives)."""
    from extractors.normalize.nlp import parse

    unique = sorted({t for t in texts if t})
    docs = parse(unique, components=(), use="priority_matrix")
    lemmas = {text: _content_tokens(doc) for text, doc in zip(unique, docs, strict=True)}
    idf = lemmas_to_idf([[lemma for lemma, _ in tokens] for tokens in lemmas.values()])
    words = {text: tuple(Word(lemma, idf[lemma], vector) for lemma, vector in tokens) for text, tokens in lemmas.items()}
    return WordAlignment(words)


def _content_tokens(doc: object) -> list[tuple[str, np.ndarray | None]]:
    out = []
    for token in doc:  # type: ignore[attr-defined]
        if token.tag_.startswith(CONTENT_TAGS) and not token.tag_.startswith(NON_CONTENT_TAGS):
            vector = None if token.is_oov else np.asarray(token.vector, dtype=float)
            norm = float(np.linalg.norm(vector)) if vector is not None else 0.0
            out.append((token.lemma_, vector / norm if norm else None))
    return out


def lemmas_to_idf(texts: Sequence[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency over the document's names and labels: the words most names
    share (the stock verbs and nouns of administrative style) weigh little."""
    df = Counter(lemma for lemmas in texts for lemma in set(lemmas))
    return {lemma: math.log(1 + len(texts) / count) for lemma, count in df.items()}


@dataclass(frozen=True, eq=False)
class WordAlignment:
    """Symmetric word alignment: each content word of one text is matched with its most
    similar word of the other (cosine of GiNZA vectors; equal lemmas 1), averaged with IDF
    weights, both ways. Unlike the cosine of mean vectors (``Doc.similarity``), one strong match
    between a label word and a name word is not drowned by the generic words around it.
    0 when a text has no content word."""

    words: Mapping[str, tuple[Word, ...]]

    def __call__(self, a: str, b: str) -> float:
        wa, wb = self.words.get(a, ()), self.words.get(b, ())
        if not wa or not wb:
            return 0.0
        return (_align(wa, wb) + _align(wb, wa)) / 2


def _align(source: Sequence[Word], target: Sequence[Word]) -> float:
    total = sum(w.weight for w in source)
    return sum(w.weight * max(_word_similarity(w, t) for t in target) for w in source) / total if total else 0.0


def _word_similarity(a: Word, b: Word) -> float:
    if a.lemma == b.lemma:
        return 1.0
    if a.vector is None or b.vector is None:
        return 0.0
    return max(0.0, float(a.vector @ b.vector))


# --- output ---------------------------------------------------------------------------------------


def matrix_to_rows(matrix: Matrix) -> list[MatrixRow]:
    return [cells_to_row(cells_of(line), matrix.header, line, matrix.sources.get(line.number, NO_PROVENANCE)) for line in matrix.lines]


def entries_to_projects(
    doc_id: str, heading: str | None, entries: Entries, anchors: Sequence[Anchor], placement: Placement
) -> list[ProjectRow]:
    """One ``ProjectRow`` per project: categories top-down (heading, then label levels; levels
    beyond the third are joined into category_3 with ' / ')."""
    uncertain = {r for r, _ in placement.uncertain}
    out = []
    for r, entry in enumerate(entries.projects):
        texts = [anchors[j].label.text if j is not None else None for j in placement.labels[r]]
        categories = [*([heading] if heading else []), *texts, None, None, None]
        categories = categories[:2] + [" / ".join(c for c in categories[2:] if c) or None]
        flags = entry.flags + ((FLAG_UNCERTAIN,) if r in uncertain else ())
        row = entry.row
        out.append(
            ProjectRow(
                doc_id=doc_id,
                row=r,
                project_number=row.number,
                project_name=row.name or None,
                category_1=categories[0],
                category_2=categories[1],
                category_3=categories[2],
                priority_measures=";".join(map(str, row.measures)) or None,
                page_ref=row.page,
                flags=";".join(flags) or None,
                **row.source.columns(),
            )
        )
    return out


@dataclass(frozen=True)
class MatrixReading:
    """A matrix after the layout steps, before the label placement."""

    matrix: Matrix
    rows: tuple[MatrixRow, ...]
    entries: Entries
    anchors: tuple[Anchor, ...]
    levels: int


def matrix_to_reading(matrix: Matrix) -> MatrixReading:
    rows = matrix_to_rows(matrix)
    entries = rows_to_entries(rows)
    anchors, levels = anchors_to_levels(entries.anchors)
    return MatrixReading(matrix, tuple(rows), entries, anchors, levels)


def reading_to_texts(reading: MatrixReading) -> list[str]:
    """The texts the similarity needs: project names and label bodies."""
    names = [e.row.name for e in reading.entries.projects if e.row.name]
    return names + [a.label.body for a in reading.anchors]


def reading_to_issues(reading: MatrixReading, placement: Placement) -> list[Issue]:
    """Layout problems of the matrix as coded issues (placement doubts, repaired markers,
    marks outside the measure columns, projects without page)."""
    projects = [e.row for e in reading.entries.projects]
    issues = list(reading.entries.issues) + list(placement.issues)
    for message in dict.fromkeys(m for _, m in placement.uncertain):
        first = min(r for r, m in placement.uncertain if m == message)
        issues.append(_issue(Code.LABEL_PLACEMENT_UNCERTAIN, Severity.WARNING, projects[first], message))
    for a in reading.anchors:
        if a.repaired is not None:
            row = projects[a.project]
            issues.append(
                _issue(
                    Code.CELL_REPAIRED,
                    Severity.INFO,
                    row,
                    f"category label '{a.label.text}': marker '{a.label.marker.text}' breaks the sequence; "
                    f"read as '{a.repaired}' (printed text kept)",
                )
            )
    has_page = any(kind == "page" for kind, _ in reading.matrix.header.trailing + reading.matrix.header.leading)
    for row in reading.rows:
        if row.stray_marks:
            issues.append(
                _issue(
                    Code.CELL_AMBIGUOUS,
                    Severity.WARNING,
                    row,
                    f"{row.stray_marks} mark(s) outside the priority-measure columns were ignored",
                )
            )
    for row in projects:
        if has_page and row.page is None:
            issues.append(_issue(Code.UNPARSED_VALUE, Severity.WARNING, row, f"project NO {row.number} has no page reference"))
    return issues


def issue_to_project(issue: Issue, read_from: Mapping[int, int], projects: Sequence[ProjectRow]) -> Issue:
    """An issue about a matrix line: about the project read from it (none: about no row)."""
    k = read_from.get(id(issue.row)) if isinstance(issue.row, MatrixRow) else None
    if k is not None:
        return replace(issue, row=None).about(projects[k])
    return replace(issue, row=None) if isinstance(issue.row, MatrixRow) else issue


class PriorityMatrixExtractor(Extractor):
    """Projects of priority-measure matrices (projects × ①…⑥ with page and NO columns)."""

    name: ClassVar[str] = "priority_matrix"

    def __init__(
        self,
        similarity: Callable[[Sequence[str]], Similarity] = texts_to_similarity,
        settings: PlacementSettings = PlacementSettings(),
    ) -> None:
        self.make_similarity = similarity
        self.settings = settings

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        readings = [matrix_to_reading(m) for m in tables_to_matrices(tables)]
        if not readings:
            return Extraction()
        similarity = self.make_similarity([t for r in readings for t in reading_to_texts(r)])  # one batch
        projects: list[ProjectRow] = []
        issues: list[Issue] = []
        read_from: dict[int, int] = {}  # id of a MatrixRow -> index of the project read from it
        for reading in readings:
            placement = place_labels(reading.anchors, reading.entries.projects, reading.levels, similarity, self.settings)
            read_from.update((id(e.row), len(projects) + k) for k, e in enumerate(reading.entries.projects))
            projects += entries_to_projects(document.doc_id, reading.matrix.heading, reading.entries, reading.anchors, placement)
            issues += reading_to_issues(reading, placement)
        projects = [replace(p, row=i) for i, p in enumerate(projects)]
        issues = [issue_to_project(i, read_from, projects) for i in issues]
        claimed = tuple(sorted({r.matrix.table for r in readings}))
        return Extraction(projects=tuple(projects), issues=tuple(issues), claimed=claimed)
