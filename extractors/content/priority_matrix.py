"""Priority-measure matrices (joint projects × priority measures ①…⑥) -> ``projects``.

A plan lists its joint projects under a policy hierarchy (section heading, then lettered or
numbered fields such as ``(1) …`` and ``a …``), marks each project against the priority measures
①…⑥ and prints the page that describes it and its NO. Text extraction damages such tables in
typical ways, and each step below undoes one kind of damage (its module in brackets):

``tables_to_matrices``   find the header (①…⑥ columns plus ページ / NO) and the section heading (priority_rows)
``cells_to_row``         read a row: marks aligned on the header's measure columns counted back
                         from the page cell (the last two numbers are page and NO), so a row with
                         an extra or missing leading cell still reads right (priority_rows)
``rows_to_entries``      label-only rows become labels (not projects), repeated prints are kept
                         once, a shared NO or a missing name is flagged, never repaired (priority_entries)
``anchors_to_levels``    category markers (a, b …; (1), (2) …) give each label its level; a marker
                         that breaks its sequence (OCR garbage) is read as the one expected there (priority_entries)
``place_labels``         each label's first row is chosen among rows near where it was printed,
                         weighing the distance, page changes and the GiNZA similarity of label
                         and project names (see ``place_chain`` for the decision rule; priority_placement)
``entries_to_projects``  ``ProjectRow`` per project; ``reading_to_issues`` the coded issues (here)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.priority_entries import Anchor, Entries, anchors_to_levels, row_issue, rows_to_entries
from extractors.content.priority_placement import (
    DEFAULT_SETTINGS,
    Placement,
    PlacementSettings,
    Similarity,
    place_labels,
    texts_to_similarity,
)
from extractors.content.priority_rows import FLAG_UNCERTAIN, Matrix, MatrixRow, cells_of, cells_to_row, tables_to_matrices
from extractors.model.document import Document
from extractors.model.provenance import NO_PROVENANCE
from extractors.model.table import Table
from schemas.quality import Code, Issue, Severity
from schemas.tables import ProjectRow

# --- output, from the entries and the placement -----------------------------------------------


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
        issues.append(row_issue(Code.LABEL_PLACEMENT_UNCERTAIN, Severity.WARNING, projects[first], message))
    for a in reading.anchors:
        if a.repaired is not None:
            row = projects[a.project]
            issues.append(
                row_issue(
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
                row_issue(
                    Code.CELL_AMBIGUOUS,
                    Severity.WARNING,
                    row,
                    f"{row.stray_marks} mark(s) outside the priority-measure columns were ignored",
                )
            )
    for row in projects:
        if has_page and row.page is None:
            issues.append(row_issue(Code.UNPARSED_VALUE, Severity.WARNING, row, f"project NO {row.number} has no page reference"))
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
        settings: PlacementSettings = DEFAULT_SETTINGS,
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
