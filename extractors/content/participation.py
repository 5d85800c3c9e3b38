"""Participation matrices: which member municipality takes part in which joint project.

Plans of 連携中枢都市圏 and 定住自立圏 print a table with one column per member (● already taking
part, ○ joining this year, blank not taking part), a total per project and summary rows per
member (● count, ○ count, total). Text extraction damages the marks (spurious extra marks,
dropped or inserted empty cells, shifted runs) and the layout (merged category cells in varying
positions, names one character per line); the printed totals survive. ``participation_layout``
reads the layout (steps 1–3 below), the package ``extractors.matrix`` recovers the marks with
the totals as constraints, and this module turns the result into rows and issues. A cell is flagged
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
from dataclasses import dataclass

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.participation_layout import (
    BodyRow,
    Header,
    Member,
    ParsedMatrix,
    matrix_to_evidence,
    rows_to_categories,
    same_members,
    table_to_matrices,
)
from extractors.matrix.recovery import (
    EXISTING,
    NEW,
    STATE_NAMES,
    Recovery,
    RowAlignment,
    TotalCheck,
    evidence_to_recovery,
)
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.normalize.gazetteer import Gazetteer, compact_name, default_gazetteer
from extractors.normalize.textnorm import nfkc_keep_marks
from schemas.quality import Code, Issue, Severity
from schemas.tables import ParticipationRow, ProjectRow, RegionMemberRow

REGION_KINDS = ("連携中枢都市圏", "定住自立圏", "連携地域", "都市圏", "圏域")
_NAME_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff々ー・]*$")
_PARTICLES = "はがをにでとのへやも"
_GENERIC_PREFIXES = ("本", "当", "同", "各", "この", "その", "当該", "我が", "近隣")
PARTICIPATION = ParticipationRow.TABLE
PROJECTS = ProjectRow.TABLE
REGIONS = RegionMemberRow.TABLE


@dataclass(frozen=True)
class Region:
    name: str
    kind: str | None


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
                            "the solver stopped on its limit before it found a reading that meets every printed total, so the "
                            "result is not proven: each row shows its cheapest reading under the LP's prices, every cell is flagged, and the "
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
        if out and same_members(out[-1][1].header, matrix.header) and not has_totals(out[-1][1]):
            first_table, first = out[-1]
            out[-1] = (first_table, ParsedMatrix(first.header, first.rows + matrix.rows, first.summaries + matrix.summaries, first.placed or matrix.placed))
        else:
            out.append((table, matrix))
    return out


def has_totals(matrix: ParsedMatrix) -> bool:
    return any(s.kind != "subtotal" for s in matrix.summaries)


__all__ = ["EXISTING", "NEW", "ParticipationExtractor"]
