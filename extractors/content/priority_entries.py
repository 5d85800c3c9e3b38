"""The entries of a priority-measure matrix: projects (printed once, a shared NO or a missing
name flagged) and the category labels anchored to rows (``rows_to_entries``), and the level of
each label from its marker, a marker that breaks its sequence read as the one expected there
(``anchors_to_levels``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from extractors.content.priority_rows import (
    FLAG_DUPLICATE,
    FLAG_MISSING_NAME,
    KANA_ORDER,
    KIND_RANK,
    TABLE,
    MatrixRow,
    PrintedLabel,
)
from schemas.quality import Code, Issue, Severity

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
                row_issue(
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
                    row_issue(
                        Code.UNPARSED_VALUE, Severity.INFO, row, f"'{row.name}' has no NO, page or mark; not read as a project"
                    )
                )
        elif (duplicate := _same_print(projects, row)) is not None:
            projects[duplicate] = _flagged(projects[duplicate], FLAG_DUPLICATE)
            anchors += [_anchor(i, label, duplicate, False) for label in row.labels]
            twice = row_issue(
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
        row_issue(
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
            row_issue(
                Code.DUPLICATE_NUMBER,
                Severity.WARNING,
                row,
                f"NO {row.number} is shared by {_name_text(row)} and {_name_text(other.row)} (line {other.row.line}); both kept",
            )
        )
    if row.name is None:
        issues.append(
            row_issue(
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


def row_issue(code: Code, severity: Severity, row: MatrixRow, message: str) -> Issue:
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
