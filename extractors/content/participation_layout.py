"""A participation matrix as printed: its header of member municipalities, its body rows (number,
categories, name, mark run, total) and summary rows, read from one table; and the evidence the
matrix solver takes from it (``table_to_matrices``, ``matrix_to_evidence``; the reading is
described in ``participation``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from extractors.matrix.recovery import (
    MatrixEvidence,
    RowEvidence,
    Totals,
)
from extractors.model.document import Line
from extractors.model.provenance import (
    NO_PROVENANCE,
    Provenance,
    lines_to_provenance,
    provenance_union,
    table_cell_provenance,
    table_row_provenance,
)
from extractors.model.table import Table
from extractors.normalize.gazetteer import Gazetteer, Match, compact_name
from extractors.normalize.textnorm import nfkc_keep_marks
from extractors.tables.text_tsv import TABS

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
_INTEGER = re.compile(r"\d{1,4}")


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
                if header is not None and not same_members(header, found):
                    matrices.append(ParsedMatrix(header, tuple(rows), tuple(summaries)))
                    rows, summaries, pending = [], [], []
                header = header if header is not None and same_members(header, found) else found
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


def same_members(a: Header, b: Header) -> bool:
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
