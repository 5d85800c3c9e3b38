"""Participation matrices: which member municipality takes part in which joint project.

Plans of 連携中枢都市圏 and 定住自立圏 print a table with one column per member (● already taking
part, ○ joining this year, blank not taking part), a total per project and summary rows per
member (● count, ○ count, total). Text extraction damages the marks (spurious extra marks,
dropped or inserted empty cells, shifted runs) and the layout (merged category cells in varying
positions, names one character per line); the printed totals survive. This module reads the
layout; ``matrix_recovery`` recovers the marks with the totals as constraints. A cell is flagged
ambiguous when another reading fits the totals, when no reading meets them all (rows, marks or
members were misread), or when the header names fewer members than the rows print mark cells.

Reading, per table:

1. header: the lines before the first row with marks, joined column by column (vertical names),
   whose cells resolve to at least ``MIN_MEMBERS`` municipalities through the gazetteer; the
   other header cells are labels (number, total, name, categories);
2. body rows: category labels, project number, project name, the mark run with its empty cells
   (up to the printed total; read under the members' columns where the grid has columns between
   them), and the total; summary rows by their label (● / 既に…, ○ / 新た…,
   合計 / 取組数…); other lines with text are labels for the rows below;
3. categories: a blank merged cell means "same as above"; the labels printed on a row are
   matched to category levels by their position when the row lines up with the header (its
   number sits under the header's number), else as the deepest levels (a change of a level
   always starts new groups below it, so the printed labels are the lowest levels).

Region: ``ExtractContext.area`` if given, else a region name (…連携中枢都市圏, …定住自立圏,
…連携地域, …圏域) in the title or the text before the table; when only the kind is printed
(連携中枢都市圏において…), the region is named after the kind and the first (central) member:
``連携中枢都市圏(旭川市)``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.matrix.recovery import (
    EXISTING,
    NEW,
    STATE_NAMES,
    MatrixEvidence,
    Recovery,
    RowAlignment,
    RowEvidence,
    TotalCheck,
    Totals,
    evidence_to_recovery,
)
from extractors.model.document import Document, Line
from extractors.model.provenance import (
    NO_PROVENANCE,
    Provenance,
    lines_to_provenance,
    provenance_union,
    table_cell_provenance,
    table_row_provenance,
)
from extractors.model.table import Table
from extractors.normalize.gazetteer import Gazetteer, Match, compact_name, default_gazetteer
from extractors.normalize.textnorm import nfkc_keep_marks
from extractors.tables.text_tsv import TABS
from schemas.quality import Code, Issue, Severity
from schemas.tables import ParticipationRow, ProjectRow, RegionMemberRow

MIN_MEMBERS = 3
MAX_HEADER_LINES = 8
MAX_CATEGORY_LEVELS = 3
EXISTING_MARKS = frozenset("●◉")
NEW_MARKS = frozenset("○◯〇")
NUMBER_LABELS = ("no", "no.", "№", "番号", "事業番号", "項番", "通番")
TOTAL_LABELS = ("合計", "計", "総計", "計数")
NAME_LABELS = ("事業名", "取組名", "取組", "事業", "名称", "連携事業", "小分類")
# Summary rows are told apart by generic words, most specific first.
SUMMARY_WORDS = (
    ("subtotal", ("小計", "ページ計", "頁計", "中計")),  # a page's or a group's count: no total of the matrix
    ("existing", ("●", "既に", "既存", "実施中", "継続")),
    ("new", ("○", "◯", "新た", "新規", "新しく")),
    ("total", ("合計", "計", "総数", "取組数", "連携数")),
)
REGION_KINDS = ("連携中枢都市圏", "定住自立圏", "連携地域", "都市圏", "圏域")
_NAME_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff々ー・]*$")
_PARTICLES = "はがをにでとのへやも"
_GENERIC_PREFIXES = ("本", "当", "同", "各", "この", "その", "当該", "我が", "近隣")
_INTEGER = re.compile(r"\d{1,4}")
PARTICIPATION = ParticipationRow.TABLE
PROJECTS = ProjectRow.TABLE
REGIONS = RegionMemberRow.TABLE


# --- typed intermediate data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One member column of the header: the text printed and what the gazetteer made of it."""

    column: int
    source_text: str
    match: Match | None


@dataclass(frozen=True)
class Header:
    members: tuple[Member, ...]
    labels: tuple[tuple[int, str], ...]  # (column, text) of the other non-empty header cells
    number_column: int | None
    name_column: int | None
    category_columns: tuple[int, ...]
    total_column: int | None
    line_count: int
    table: Table | None = field(default=None, compare=False, repr=False)  # the table it was read from
    grid_rows: tuple[int, ...] = ()  # its rows in that table's grid

    def member_source(self, member: Member) -> Provenance:
        """Where a member's name was printed: its column over the header rows."""
        if self.table is None:
            return NO_PROVENANCE
        return provenance_union(table_cell_provenance(self.table, r, member.column) for r in self.grid_rows)

    @property
    def number_first(self) -> bool:
        """True when the number is printed before the name (the usual order)."""
        if self.number_column is None or self.name_column is None:
            return True
        return self.number_column < self.name_column


@dataclass(frozen=True)
class BodyRow:
    """One project row as printed (labels are (cell index, text) category texts)."""

    line: Line
    labels: tuple[tuple[int, str], ...]
    number: int | None
    number_index: int | None
    name: str | None
    tokens: tuple[str, ...]
    total: int | None
    table: Table | None = field(default=None, compare=False, repr=False)  # the table it was read from
    grid_row: int = -1  # its row in that table's grid

    def source(self) -> Provenance:
        """Where the row was printed."""
        return table_row_provenance(self.table, self.grid_row) if self.table is not None else lines_to_provenance([self.line])

    def slot_source(self, column: int) -> Provenance:
        """Where the row's cell under a header column was printed (a blank cell: that column's
        width across the row)."""
        return table_cell_provenance(self.table, self.grid_row, column) if self.table is not None else self.source()


@dataclass(frozen=True)
class SummaryRow:
    kind: str  # existing | new | total
    values: tuple[int, ...]
    line: Line


@dataclass(frozen=True)
class ParsedMatrix:
    header: Header
    rows: tuple[BodyRow, ...]
    summaries: tuple[SummaryRow, ...]
    placed: bool = False  # cells placed by their position on the page (layout text, PDF), not delimited (tabs)


@dataclass(frozen=True)
class Region:
    name: str
    kind: str | None


# --- cells ------------------------------------------------------------------------------------------


def line_to_cells(line: Line) -> list[str]:
    """NFKC (marks kept), stripped cell texts of a line."""
    return [nfkc_keep_marks(c.text).strip() for c in line.cells]


def cell_to_token(text: str) -> str | None:
    """``●`` / ``○`` for a mark cell (variants folded), None for anything else."""
    if text in EXISTING_MARKS:
        return "●"
    if text in NEW_MARKS:
        return "○"
    return None


def cell_to_int(text: str) -> int | None:
    return int(text) if _INTEGER.fullmatch(text) else None


def is_label_text(text: str) -> bool:
    return bool(text) and cell_to_token(text) is None and cell_to_int(text) is None


# --- header -----------------------------------------------------------------------------------------


def lines_to_columns(lines: Sequence[Line]) -> list[str]:
    """Cell texts joined column by column over several lines (names printed one character per
    line end up whole)."""
    width = max((len(line.cells) for line in lines), default=0)
    rows = [line_to_cells(line) for line in lines]
    return ["".join(row[j] for row in rows if j < len(row)) for j in range(width)]


def _label_is(text: str, labels: Sequence[str]) -> bool:
    key = compact_name(text).lower()
    return any(key == label or (len(label) > 1 and key.startswith(label)) for label in labels)


def columns_to_header(columns: list[str], gazetteer: Gazetteer, line_count: int) -> Header | None:
    """A header when at least ``MIN_MEMBERS`` cells name municipalities."""
    context = "、".join(c for c in columns if c)
    found: list[tuple[int, str, Match | None]] = []
    labels: list[tuple[int, str]] = []
    for j, text in enumerate(columns):
        if not text:
            continue
        if _label_is(text, NUMBER_LABELS) or _label_is(text, TOTAL_LABELS):
            labels.append((j, text))
            continue
        match = gazetteer.lookup(text, context=context)
        if match is not None and match.municipality.is_municipality:
            found.append((j, text, match))
        else:
            labels.append((j, text))
    if len(found) < MIN_MEMBERS:
        return None
    first, last = found[0][0], found[-1][0]
    unknown = [(j, t, None) for j, t in labels if first < j < last and not _label_is(t, TOTAL_LABELS)]
    members = tuple(Member(j, t, m) for j, t, m in sorted(found + unknown))
    outside = tuple((j, t) for j, t in labels if not first < j < last)
    return labels_to_header(members, outside, line_count)


def labels_to_header(members: tuple[Member, ...], labels: tuple[tuple[int, str], ...], line_count: int) -> Header:
    """Which label is the number, the name, the total and which are categories."""
    first = members[0].column
    number = next((j for j, t in labels if _label_is(t, NUMBER_LABELS)), None)
    total = next((j for j, t in labels if j > first and _label_is(t, TOTAL_LABELS)), None)
    before = [(j, t) for j, t in labels if j < first and j != number]
    name = next((j for j, t in before if number is not None and j > number), None)
    if name is None:
        name = next((j for j, t in reversed(before) if _label_is(t, NAME_LABELS)), None)
    categories = tuple(j for j, _ in before if j != name)[-MAX_CATEGORY_LEVELS:]
    return Header(members, labels, number, name, categories, total, line_count)


def lines_to_header(lines: Sequence[Line], gazetteer: Gazetteer) -> Header | None:
    """The best header ending at the last of ``lines``: the suffix with the most members
    (the shortest on a tie)."""
    best: Header | None = None
    for start in range(len(lines) - 1, max(-1, len(lines) - 1 - MAX_HEADER_LINES), -1):
        suffix = lines[start:]
        header = columns_to_header(lines_to_columns(suffix), gazetteer, len(suffix))
        if header and (best is None or len(header.members) > len(best.members)):
            best = header
    return best


# --- body -------------------------------------------------------------------------------------------


def is_mark_line(line: Line) -> bool:
    return any(cell_to_token(t) for t in line_to_cells(line))


def cells_to_summary(cells: list[str], line: Line) -> SummaryRow | None:
    """A summary row: a label naming what it counts, then the counts per member."""
    if any(cell_to_token(c) for c in cells):
        return None
    texts = [c for c in cells if is_label_text(c)]
    values = tuple(v for c in cells if (v := cell_to_int(c)) is not None)
    if not texts or len(values) < MIN_MEMBERS:
        return None
    label = texts[0]
    for kind, words in SUMMARY_WORDS:
        if any(w in label for w in words):
            return SummaryRow(kind, values, line)
    return None


def cells_to_body_row(cells: list[str], line: Line, header: Header) -> BodyRow | None:
    """Split a row with marks into labels, number, name, mark tokens and total."""
    first_mark = next((i for i, c in enumerate(cells) if cell_to_token(c)), None)
    if first_mark is None:
        return None
    pre = cells[:first_mark]
    ints = [i for i, c in enumerate(pre) if cell_to_int(c) is not None]
    number_index = ints[-1] if ints else None
    texts = [(i, c) for i, c in enumerate(pre) if is_label_text(c)]
    name_index: int | None
    if number_index is not None and header.number_first:
        after = [(i, c) for i, c in texts if i > number_index]
        name_index = after[0][0] if after else None
        labels = tuple((i, c) for i, c in texts if i < number_index)
    else:
        limit = number_index if number_index is not None else first_mark
        before = [(i, c) for i, c in texts if i < limit]
        name_index = before[-1][0] if before else None
        labels = tuple((i, c) for i, c in before[:-1])
    start = max([i for i in (name_index, number_index) if i is not None], default=-1) + 1
    if name_index is None and header.name_column is not None and start < first_mark and not cells[start]:
        start += 1  # the empty name cell
    total_index = max((i for i, c in enumerate(cells) if i > first_mark and cell_to_int(c) is not None), default=None)
    end = total_index if total_index is not None else 1 + max(i for i, c in enumerate(cells) if cell_to_token(c))
    tokens = columns_to_tokens(cells, header) or tuple(cell_to_token(c) or "" for c in cells[start:end])
    return BodyRow(
        line=line,
        labels=labels,
        number=cell_to_int(cells[number_index]) if number_index is not None else None,
        number_index=number_index,
        name=cells[name_index] if name_index is not None else None,
        tokens=tokens,
        total=cell_to_int(cells[total_index]) if total_index is not None else None,
    )


def columns_to_tokens(cells: Sequence[str], header: Header) -> tuple[str, ...] | None:
    """One token per member, read under the member's header column, when the table's grid has
    columns between the members' (a layout text's columns split where a page spaced its marks
    unevenly: the run of cells then holds empty cells that are no member's) and every mark of
    the row sits under a member; None otherwise (the run of cells is read as printed)."""
    columns = [m.column for m in header.members]
    if columns == list(range(columns[0], columns[-1] + 1)):
        return None
    marks = [i for i, c in enumerate(cells) if cell_to_token(c)]
    if not marks or not set(marks) <= set(columns):
        return None
    return tuple(cell_to_token(cells[j]) or "" if j < len(cells) else "" for j in columns)


def table_to_matrices(table: Table, gazetteer: Gazetteer) -> list[ParsedMatrix]:
    """Every matrix of a table: a header before a run of mark rows, continued by the rows below
    it (a repeated header with the same members continues the same matrix)."""
    numbered = [(r, line) for r, line in enumerate(table.as_lines()) if not line.is_blank]
    lines = [line for _, line in numbered]
    matrices: list[ParsedMatrix] = []
    header: Header | None = None
    columns: Header | None = None
    rows: list[BodyRow] = []
    summaries: list[SummaryRow] = []
    pending: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        run_end = i
        while run_end < len(lines) and not is_mark_line(lines[run_end]):
            run_end += 1
        if run_end < len(lines) and run_end > i:
            found = lines_to_header(lines[i:run_end], gazetteer)
            if found is not None:
                found = replace(found, table=table, grid_rows=tuple(r for r, _ in numbered[run_end - found.line_count : run_end]))
                body_lines = lines[i : run_end - found.line_count]
                pending += _other_lines(body_lines, header, summaries)
                if header is not None and not _same_members(header, found):
                    matrices.append(ParsedMatrix(header, tuple(rows), tuple(summaries)))
                    rows, summaries, pending = [], [], []
                header = header if header is not None and _same_members(header, found) else found
                columns = found  # the rows below line up with the header printed above them
                i = run_end
                continue
        if header is None:
            i = max(run_end, i + 1)
            continue
        for line in lines[i:run_end]:
            pending += _other_lines([line], header, summaries)
        if run_end < len(lines):
            row = cells_to_body_row(line_to_cells(lines[run_end]), lines[run_end], columns or header)
            if row is not None:
                row = replace(row, table=table, grid_row=numbered[run_end][0])
                rows.append(replace(row, labels=(*pending, *row.labels)) if pending else row)
                pending = []
        i = run_end + 1
    if header is not None and rows:
        matrices.append(ParsedMatrix(header, tuple(rows), tuple(summaries)))
    return [replace(m, placed=table.strategy != TABS) for m in matrices if m.rows]


def _other_lines(lines: Sequence[Line], header: Header | None, summaries: list[SummaryRow]) -> list[tuple[int, str]]:
    """Summary rows go to ``summaries``; text of other lines becomes labels for the next row."""
    labels: list[tuple[int, str]] = []
    if header is None:
        return labels
    for line in lines:
        cells = line_to_cells(line)
        summary = cells_to_summary(cells, line)
        if summary is not None:
            summaries.append(summary)
        else:
            labels += [(i, c) for i, c in enumerate(cells) if is_label_text(c)]
    return labels


def _same_members(a: Header, b: Header) -> bool:
    return [m.match.municipality.code if m.match else m.source_text for m in a.members] == [
        m.match.municipality.code if m.match else m.source_text for m in b.members
    ]


# --- categories -------------------------------------------------------------------------------------


def row_to_levels(row: BodyRow, header: Header, levels: int) -> list[int]:
    """The category level (0-based) of each label of the row."""
    columns = header.category_columns
    aligned = row.number_index is not None and row.number_index == header.number_column
    if aligned and all(i in columns for i, _ in row.labels):
        return [columns.index(i) + levels - len(columns) for i, _ in row.labels]
    count = min(len(row.labels), levels)
    return [-1] * (len(row.labels) - count) + list(range(levels - count, levels))


def rows_to_categories(rows: Sequence[BodyRow], header: Header) -> list[tuple[str | None, ...]]:
    """Category path of every row: labels printed on a row start new groups at their level
    and below; a blank merged cell keeps the level above."""
    levels = min(MAX_CATEGORY_LEVELS, max([len(header.category_columns), *(len(r.labels) for r in rows)]))
    current: list[str | None] = [None] * levels
    out = []
    for row in rows:
        pairs = [(lv, text) for lv, (_, text) in zip(row_to_levels(row, header, levels), row.labels, strict=True) if lv >= 0]
        if pairs:
            top = min(lv for lv, _ in pairs)
            current[top:] = [None] * (levels - top)
            for lv, text in pairs:
                current[lv] = text
        out.append(tuple(current) + (None,) * (MAX_CATEGORY_LEVELS - levels))
    return out


# --- evidence and rows ------------------------------------------------------------------------------


def summaries_to_totals(summaries: Sequence[SummaryRow], n_members: int) -> tuple[Totals, list[str]]:
    """Per-member counts (the first ``n_members`` values) and grand totals (the next one)."""
    found: dict[str, tuple[tuple[int | None, ...], int | None]] = {}
    problems = []
    for s in summaries:
        if s.kind == "subtotal":
            continue
        per = tuple(s.values[:n_members]) + (None,) * max(0, n_members - len(s.values))
        grand = s.values[n_members] if len(s.values) > n_members else None
        if len(s.values) not in (n_members, n_members + 1):
            problems.append(f"summary row ({s.kind}) at line {s.line.number} has {len(s.values)} values for {n_members} members")
        found.setdefault(s.kind, (per, grand))
    existing, new, total = (found.get(k, ((), None)) for k in ("existing", "new", "total"))
    return Totals(existing[0], new[0], total[0], existing[1], new[1], total[1]), problems


def matrix_to_evidence(matrix: ParsedMatrix) -> tuple[MatrixEvidence, list[str]]:
    totals, problems = summaries_to_totals(matrix.summaries, len(matrix.header.members))
    rows = tuple(RowEvidence(r.tokens, r.total) for r in matrix.rows)
    return MatrixEvidence(rows, len(matrix.header.members), totals), problems


def context_to_region(context: ExtractContext, table: Table, central: str) -> Region:
    """The region the matrix belongs to (see the module docstring)."""
    if context.area:
        area = nfkc_keep_marks(context.area).strip()
        return Region(area, next((k for k in REGION_KINDS if k in area), None))
    kind_only = None
    for text in (context.title or "", *reversed(table.context)):
        found = text_to_region(nfkc_keep_marks(text))
        if found and found.name != found.kind:
            return found
        kind_only = kind_only or found
    if kind_only is not None:
        return Region(f"{kind_only.kind}({central})", kind_only.kind)
    return Region(f"圏域({central})", None)


def text_to_region(text: str) -> Region | None:
    """The first region name in ``text``; ``name == kind`` when no name precedes the kind."""
    best: tuple[int, Region] | None = None
    for kind in REGION_KINDS:
        at = text.find(kind)
        if at < 0 or (best is not None and at >= best[0]):
            continue
        prefix = _NAME_RUN.search(text[:at])
        name = _strip_particles(prefix.group(0) if prefix else "")
        best = (at, Region(name + kind if name else kind, kind))
    return best[1] if best else None


def _strip_particles(prefix: str) -> str:
    """``本市は上川中部`` -> ``上川中部``; a generic prefix (本, 当, この …) is no name."""
    for i in range(len(prefix) - 1, 0, -1):
        if prefix[i] in _PARTICLES and not ("\u3041" <= prefix[i - 1] <= "\u309f"):
            prefix = prefix[i + 1 :]
            break
    return "" if prefix in _GENERIC_PREFIXES or len(prefix) < 2 else prefix


# --- issues -----------------------------------------------------------------------------------------


def _where(index: int, row: BodyRow | None = None) -> str:
    if row is None:
        return f"matrix {index}"
    label = f"No {row.number}" if row.number is not None else "unnumbered row"
    return f"matrix {index}, {label}, page {row.line.page}, line {row.line.number}"


def member_issues(index: int, header: Header, region: Region) -> list[Issue]:
    issues = []
    table_id = header.table.index if header.table is not None else None
    for m in header.members:
        where = f"matrix {index}, header column {m.column}"
        if m.match is None:
            issues.append(Issue(Code.UNKNOWN_MUNICIPALITY, Severity.ERROR,
                                f"header cell '{m.source_text}' names no known municipality; its column is left out",
                                REGIONS, where, table_id=table_id))
        elif compact_name(m.source_text) != m.match.municipality.name:
            fuzzy = m.match.method == "fuzzy"
            key = (("region_name", region.name), ("municipality_code", m.match.municipality.code))
            issues.append(Issue(Code.MUNICIPALITY_CORRECTED, Severity.WARNING if fuzzy else Severity.INFO,
                                f"'{m.source_text}' read as {m.match.municipality.name} ({m.match.method}, score {m.match.score:.0f})",
                                REGIONS, where, key, table_id))
    return issues


def project_issues(index: int, rows: Sequence[BodyRow], projects: Sequence[ProjectRow]) -> list[Issue]:
    """Issues about the projects rows (``projects``: one per body row, in order)."""
    issues = []
    counts = Counter(r.number for r in rows if r.number is not None)
    for number, n in sorted(counts.items()):
        if n > 1:
            issues.append(Issue(Code.DUPLICATE_NUMBER, Severity.WARNING,
                                f"project number {number} is printed on {n} rows", PROJECTS, f"matrix {index}, No {number}",
                                table_id=next(p.table_id for r, p in zip(rows, projects, strict=True) if r.number == number)))
    for row, project in zip(rows, projects, strict=True):
        if row.name is None:
            issues.append(Issue(Code.MISSING_NAME, Severity.WARNING, "the row prints no project name", PROJECTS, _where(index, row)).about(project))
    return issues


def _row_key(index: int, r: int | None = None) -> tuple[tuple[str, int], ...]:
    """The participation rows of a matrix (or of one of its project rows): a leading part of their key."""
    return (("matrix", index),) if r is None else (("matrix", index), ("project_row", r))


def repair_issue(index: int, r: int, row: BodyRow, alignment: RowAlignment, states: Sequence[int], members: Sequence[Member]) -> Issue | None:
    """One info issue per repaired row, saying what was repaired."""
    parts = []
    if alignment.extra_marks:
        parts.append(f"{alignment.extra_marks} spurious mark(s) dropped")
    if alignment.extra_blanks:
        parts.append(f"{alignment.extra_blanks} stray empty cell(s) dropped")
    if alignment.dropped_blanks:
        parts.append(f"{alignment.dropped_blanks} missing empty cell(s) restored")
    if alignment.dropped_marks:
        parts.append(f"{alignment.dropped_marks} missing mark(s) restored")
    for c in alignment.changed:
        shown = alignment.observed[c] or "blank"
        parts.append(f"{_member_name(members[c])} read as {STATE_NAMES[states[c]]} where the text shows {shown}")
    if not parts:
        return None
    return Issue(Code.CELL_REPAIRED, Severity.INFO, "; ".join(parts), PARTICIPATION, _where(index, row), _row_key(index, r), row.source().table_id)


def ambiguity_issue(index: int, r: int, row: BodyRow, ambiguous: Sequence[bool], members: Sequence[Member]) -> Issue | None:
    names = [_member_name(m) for m, a in zip(members, ambiguous, strict=True) if a]
    if not names:
        return None
    return Issue(Code.CELL_AMBIGUOUS, Severity.WARNING,
                 f"the printed totals allow another reading of {len(names)} cell(s): {', '.join(names)}",
                 PARTICIPATION, _where(index, row), _row_key(index, r), row.source().table_id)


def violation_issue(index: int, check: TotalCheck, rows: Sequence[BodyRow], members: Sequence[Member], table_id: int | None) -> Issue:
    what = {"existing": "● count", "new": "○ count", "total": "total"}.get(check.kind, "total")
    key = _row_key(index)
    if check.kind == "row" and check.index is not None:
        where, label = _where(index, rows[check.index]), "project total"
        key = _row_key(index, check.index)
    elif check.index is None:
        where, label = f"matrix {index}, grand {what}", f"grand {what}"
    else:
        where, label = f"matrix {index}, {_member_name(members[check.index])} {what}", f"{what} of {_member_name(members[check.index])}"
    return Issue(Code.TOTAL_VIOLATED, Severity.ERROR,
                 f"the printed {label} is {check.printed} but no reading consistent with the other totals gives it "
                 f"(recovered: {check.recovered})", PARTICIPATION, where, key, table_id)


def _member_name(member: Member) -> str:
    return member.match.municipality.name if member.match else member.source_text


# --- assembly ---------------------------------------------------------------------------------------


def matrix_to_extraction(doc_id: str, index: int, matrix: ParsedMatrix, region: Region) -> Extraction:
    """Recover one matrix and turn it into participation, projects and region_members rows."""
    header, rows = matrix.header, matrix.rows
    evidence, problems = matrix_to_evidence(matrix)
    recovery = evidence_to_recovery(evidence)
    categories = rows_to_categories(rows, header)
    projects = project_rows(doc_id, rows, categories)
    table_id = header.table.index if header.table is not None else None
    issues = member_issues(index, header, region) + project_issues(index, rows, projects)
    issues += [Issue(Code.COUNT_MISMATCH, Severity.WARNING, p, PARTICIPATION, f"matrix {index}", _row_key(index), table_id) for p in problems]
    issues += recovery_issues(index, recovery, rows, header.members, table_id)
    unread = unread_members(matrix)
    if unread:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.WARNING, f"{unread}: a member's column was not read, so every cell is flagged",
                            PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    return Extraction(
        participation=participation_rows(doc_id, index, rows, header.members, recovery, flag_all=bool(unread)),
        projects=projects,
        region_members=region_rows(doc_id, region, header),
        issues=tuple(issues),
    )


def recovery_issues(index: int, recovery: Recovery, rows: Sequence[BodyRow], members: Sequence[Member], table_id: int | None) -> list[Issue]:
    issues: list[Issue] = [violation_issue(index, check, rows, members, table_id) for check in recovery.violated]
    for r, row in enumerate(rows):
        repaired = repair_issue(index, r, row, recovery.alignments[r], recovery.states[r], members)
        doubtful = ambiguity_issue(index, r, row, recovery.ambiguous[r], members)
        issues += [i for i in (repaired, doubtful) if i is not None]
    if recovery.limited and recovery.violated:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.WARNING,
                            "the solver stopped on its limit before it found a reading that meets every printed total, and "
                            "no repair of the LP's reading met them either: each row shows its cheapest reading under the LP's prices, every cell is flagged, and the "
                            "totals it misses are listed (they need not contradict each other)",
                            PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    elif recovery.violated:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.WARNING,
                            "no reading of the marks as read meets every printed total (the totals it misses are listed): "
                            "rows, marks or members were misread, so every cell is flagged",
                            PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    elif recovery.limited:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.WARNING,
                            "the solver stopped on its limit: the reading meets every printed total but is not proven the "
                            "cheapest; every cell another reading could take within the margin is flagged",
                            PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    elif not recovery.certified and not recovery.violated:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.WARNING,
                            "the search for other readings was cut short; ambiguity flags may be incomplete",
                            PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    if recovery.undecided:
        issues.append(Issue(Code.CELL_AMBIGUOUS, Severity.INFO,
                            f"{recovery.undecided} cell readings could not be ruled out within the search's limits and are "
                            "flagged ambiguous without a proof that another reading fits", PARTICIPATION, f"matrix {index}", _row_key(index), table_id))
    return issues


def unread_members(matrix: ParsedMatrix) -> str | None:
    """Why the header holds fewer members than the table has mark columns, or None: in a table
    whose cells are placed by position, most rows print more mark cells than there are members,
    or a summary row more counts than members and a grand total. Every cell's column is then in
    doubt (the marks of the unread member fall under its neighbours), whatever the totals allow.
    Delimited text is left to the recovery: a dropped or inserted tab shifts its rows' cells."""
    n = len(matrix.header.members)
    if not matrix.placed:
        return None
    lengths = Counter(len(r.tokens) for r in matrix.rows)
    common = max(lengths.items(), key=lambda item: (item[1], -item[0]))[0] if lengths else n
    if common > n:
        return f"most rows print {common} mark cells for the {n} members the header names"
    longest = max((len(s.values) for s in matrix.summaries if s.kind != "subtotal"), default=0)
    if longest > n + 1:
        return f"a summary row prints {longest} counts for the {n} members the header names"
    return None


def participation_rows(doc_id: str, index: int, rows: Sequence[BodyRow], members: Sequence[Member], recovery: Recovery,
                       flag_all: bool = False) -> tuple[ParticipationRow, ...]:
    out = []
    for r, row in enumerate(rows):
        for c, member in enumerate(members):
            if member.match is None:
                continue
            state = recovery.states[r][c]
            out.append(ParticipationRow(
                **row.slot_source(member.column).columns(),
                doc_id=doc_id,
                matrix=index,
                project_row=r,
                project_number=row.number,
                project_name=row.name,
                municipality_code=member.match.municipality.code,
                municipality_name=member.match.municipality.name,
                status=STATE_NAMES[state],
                confidence=recovery.confidence[r][c],
                ambiguous=flag_all or recovery.ambiguous[r][c],
                observed_mark=recovery.alignments[r].observed[c] or None,
            ))
    return tuple(out)


def project_rows(doc_id: str, rows: Sequence[BodyRow], categories: Sequence[tuple[str | None, ...]]) -> tuple[ProjectRow, ...]:
    counts = Counter(r.number for r in rows if r.number is not None)
    out = []
    for row, cats in zip(rows, categories, strict=True):
        flags = [f for f, on in (("duplicate-number", counts.get(row.number, 0) > 1), ("missing-name", row.name is None)) if on]
        out.append(ProjectRow(
            doc_id=doc_id,
            project_number=row.number,
            project_name=row.name,
            category_1=cats[0],
            category_2=cats[1],
            category_3=cats[2],
            flags=";".join(flags) or None,
            **row.source().columns(),
        ))
    return tuple(out)


def region_rows(doc_id: str, region: Region, header: Header) -> tuple[RegionMemberRow, ...]:
    return tuple(
        RegionMemberRow(
            doc_id=doc_id,
            region_name=region.name,
            region_kind=region.kind,
            municipality_code=m.match.municipality.code,
            municipality_name=m.match.municipality.name,
            source_text=m.source_text,
            match_score=m.match.score,
            **header.member_source(m).columns(),
        )
        for m in header.members
        if m.match is not None
    )


class ParticipationExtractor(Extractor):
    """●/○ participation matrices -> participation, projects and region_members."""

    name = "participation"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        gazetteer = self._gazetteer or default_gazetteer()
        found = [(table, matrix) for table in tables for matrix in table_to_matrices(table, gazetteer)]
        out = Extraction(claimed=tuple(dict.fromkeys(table.index for table, _ in found)))
        for index, (table, matrix) in enumerate(join_continued_matrices(found)):
            central = _member_name(next((m for m in matrix.header.members if m.match), matrix.header.members[0]))
            region = context_to_region(context, table, central)
            out = out + matrix_to_extraction(document.doc_id, index, matrix, region)
        return out


def join_continued_matrices(found: Sequence[tuple[Table, ParsedMatrix]]) -> list[tuple[Table, ParsedMatrix]]:
    """A matrix continued in the next table (a page break the reader could not stitch, a text
    extraction's page) is one matrix: same members, and no totals printed before the break (a
    matrix prints its totals once, at its end). The first table names the region."""
    out: list[tuple[Table, ParsedMatrix]] = []
    for table, matrix in found:
        if out and _same_members(out[-1][1].header, matrix.header) and not has_totals(out[-1][1]):
            first_table, first = out[-1]
            out[-1] = (first_table, ParsedMatrix(first.header, first.rows + matrix.rows, first.summaries + matrix.summaries, first.placed or matrix.placed))
        else:
            out.append((table, matrix))
    return out


def has_totals(matrix: ParsedMatrix) -> bool:
    return any(s.kind != "subtotal" for s in matrix.summaries)


__all__ = ["EXISTING", "NEW", "ParticipationExtractor"]
