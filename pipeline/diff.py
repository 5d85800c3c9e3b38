"""Annual refresh: what changed between two keikaku output folders (``keikaku diff OLD NEW``).

Identity comes from stable keys, never from row numbers or doc ids: a new edition of a plan is a
new file (new doc_id) and plans renumber their projects. The recipe:

1. ``folder_to_tables``   read every ``<table>.csv`` as text (empty cell = ``""``).
2. ``match_documents``    pair old and new documents: same doc_id, then same ``source_file``,
                          then the most similar manifest title (or file name when a title is
                          missing) with ``fuzz.ratio >= DOCUMENT_THRESHOLD``.
                          (``documents.csv`` has no area column; the title carries the area.)
3. ``diff_<table>``       per matched pair, match rows by their table's stable key and emit one
                          typed ``Change`` (table, change, key, field, old, new) per difference.
                          Rows of unmatched documents are all ``added`` / ``removed``.

Projects (and the projects of a participation matrix) are matched in three passes: exact
normalized name (NFKC, all whitespace removed); then fuzzy name with
``fuzz.ratio >= PROJECT_NAME_THRESHOLD`` (small renames); only then the same project number, and
only when the names are still somewhat alike (``>= NUMBER_FALLBACK_THRESHOLD``) or one of them
is empty (projects printed without a name). A matched project whose number changed is
``renumbered``; whose name changed is ``renamed``.

``quality`` is not diffed: it describes extraction, not the plans.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rapidfuzz import fuzz

from schemas.tables import ROW_TYPE_BY_TABLE, TABLE_NAMES, columns_of

from .swap import FolderBusy, replace_folder

DOCUMENT_THRESHOLD = 80.0  # title / file-name similarity (0-100) for two editions of one document
PROJECT_NAME_THRESHOLD = 85.0  # a project renamed slightly ("…の推進" -> "…の促進")
NUMBER_FALLBACK_THRESHOLD = 50.0  # same number, names still this alike: one project renamed
TEXT_THRESHOLD = 90.0  # indicators' keys and comments' opinions edited slightly

DIFFED_TABLES = ("documents", "projects", "participation", "indicators", "observations", "comments", "metrics", "region_members")
SUMMARY_TXT = "diff_summary.txt"
SUMMARY_JSON = "diff_summary.json"
CHANGE_COLUMNS = ("table", "change", "key", "field", "old", "new", "document", "old_doc_id", "new_doc_id")

Row = dict[str, str]
Tables = dict[str, list[Row]]


class DiffUsageError(Exception):
    """A folder is missing or is not keikaku output."""


@dataclass(frozen=True)
class Change:
    """One difference. ``change``: added, removed, updated, renamed, renumbered, joined, left."""

    table: str
    change: str
    key: str
    field: str = ""
    old: str = ""
    new: str = ""
    document: str = ""
    old_doc_id: str = ""
    new_doc_id: str = ""


@dataclass(frozen=True)
class DocumentMatch:
    """An old document and its new edition (``how``: doc_id, source_file, title, file_name)."""

    old_doc_id: str
    new_doc_id: str
    old_source_file: str
    new_source_file: str
    how: str
    score: float


@dataclass(frozen=True)
class DiffReport:
    old_dir: str
    new_dir: str
    matches: tuple[DocumentMatch, ...]
    changes: tuple[Change, ...]
    row_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (old, new)

    def changes_of(self, table: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.table == table)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for (table, change), n in sorted(Counter((c.table, c.change) for c in self.changes).items()):
            out[table][change] = n
        return dict(out)


# --- reading ---------------------------------------------------------------------------------


def folder_to_tables(folder: Path) -> Tables:
    """Every table of a keikaku output folder as rows of text; raises ``DiffUsageError`` when a
    table is missing, unreadable or lacks a contract column (a missing ``status`` must not read
    as every document turning empty). Cells may be of any length."""
    if not folder.is_dir():
        raise DiffUsageError(f"{folder} is not a folder")
    missing = [t for t in TABLE_NAMES if not (folder / f"{t}.csv").is_file()]
    if missing:
        raise DiffUsageError(f"{folder} is not keikaku output (missing {', '.join(m + '.csv' for m in missing)})")
    return {table: csv_to_rows(folder / f"{table}.csv", table) for table in TABLE_NAMES}


def csv_to_rows(path: Path, table: str) -> list[Row]:
    limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # the csv module stops at 131,072 characters by default
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            absent = [spec.name for spec in columns_of(ROW_TYPE_BY_TABLE[table]) if spec.name not in header]
            if absent:
                raise DiffUsageError(f"{path} is not a keikaku table: no {', '.join(absent)} column(s); run keikaku validate on it")
            return [{k: v if v is not None else "" for k, v in r.items() if k is not None} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DiffUsageError(f"{path} cannot be read: {exc}") from None
    finally:
        csv.field_size_limit(limit)


# --- normalization and matching --------------------------------------------------------------


def normalize(text: str | None) -> str:
    """NFKC with every whitespace removed: the identity of a name across editions."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def same_value(a: str, b: str) -> bool:
    """Equal as text, or as decimals (``1.0`` == ``1``)."""
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return False


@dataclass(frozen=True)
class Pairing:
    pairs: tuple[tuple[Row, Row], ...]
    old_only: tuple[Row, ...]
    new_only: tuple[Row, ...]


def pair_by_key(old: Sequence[Row], new: Sequence[Row], key: Callable[[Row], str]) -> Pairing:
    """Pair rows with equal non-empty keys, in document order (duplicates pair first with first)."""
    waiting: dict[str, list[Row]] = defaultdict(list)
    for row in new:
        if key(row):
            waiting[key(row)].append(row)
    pairs, old_only = [], []
    for row in old:
        bucket = waiting.get(key(row)) if key(row) else None
        if bucket:
            pairs.append((row, bucket.pop(0)))
        else:
            old_only.append(row)
    taken = {id(n) for _, n in pairs}
    return Pairing(tuple(pairs), tuple(old_only), tuple(r for r in new if id(r) not in taken))


def pair_by_score(pairing: Pairing, score: Callable[[Row, Row], float], threshold: float) -> Pairing:
    """Pair the leftovers of ``pairing`` greedily, best score first, keeping scores >= threshold."""
    candidates = sorted(
        ((score(o, n), i, j) for i, o in enumerate(pairing.old_only) for j, n in enumerate(pairing.new_only)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = list(pairing.pairs)
    for s, i, j in candidates:
        if s < threshold or i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((pairing.old_only[i], pairing.new_only[j]))
    return Pairing(
        tuple(pairs),
        tuple(r for i, r in enumerate(pairing.old_only) if i not in used_old),
        tuple(r for j, r in enumerate(pairing.new_only) if j not in used_new),
    )


def text_score(a: str, b: str) -> float:
    return float(fuzz.ratio(a, b)) if a and b else 0.0


def pair_projects(old: Sequence[Row], new: Sequence[Row]) -> Pairing:
    """Exact normalized name, then fuzzy name, then the same number (see module docstring)."""
    name = lambda r: normalize(r.get("project_name"))  # noqa: E731
    pairing = pair_by_key(old, new, name)
    pairing = pair_by_score(pairing, lambda o, n: text_score(name(o), name(n)), PROJECT_NAME_THRESHOLD)

    def by_number(o: Row, n: Row) -> float:
        if not o.get("project_number") or o.get("project_number") != n.get("project_number"):
            return -1.0
        if not name(o) or not name(n):
            return 100.0
        return text_score(name(o), name(n))

    return pair_by_score(pairing, by_number, NUMBER_FALLBACK_THRESHOLD)


def match_documents(old: Sequence[Row], new: Sequence[Row]) -> tuple[DocumentMatch, ...]:
    """Old document -> its new edition; see the module docstring for the order of evidence."""
    title = lambda r: normalize(r.get("title"))  # noqa: E731
    stem = lambda r: normalize(Path(r.get("source_file", "")).stem)  # noqa: E731

    def by_name(o: Row, n: Row) -> float:
        if title(o) and title(n):
            return text_score(title(o), title(n))
        return text_score(stem(o), stem(n))

    p1 = pair_by_key(old, new, lambda r: r.get("doc_id", ""))
    p2 = pair_by_key(p1.old_only, p1.new_only, lambda r: r.get("source_file", ""))
    p3 = pair_by_score(Pairing((), p2.old_only, p2.new_only), by_name, DOCUMENT_THRESHOLD)
    steps = [("doc_id", p1), ("source_file", p2), ("title", p3)]
    matches = []
    for how, pairing in steps:
        for o, n in pairing.pairs:
            label = how if how != "title" or (title(o) and title(n)) else "file_name"
            score = 100.0 if how != "title" else by_name(o, n)
            matches.append(
                DocumentMatch(o["doc_id"], n["doc_id"], o.get("source_file", ""), n.get("source_file", ""), label, score)
            )
    return tuple(matches)


# --- per-table differences -------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where changes are found: one matched document pair, or a document only on one side."""

    document: str
    old_doc_id: str
    new_doc_id: str

    def change(self, table: str, change: str, key: str, fld: str = "", old: str = "", new: str = "") -> Change:
        return Change(table, change, key, fld, old, new, self.document, self.old_doc_id, self.new_doc_id)


def field_changes(scope: Scope, table: str, key: str, old: Row, new: Row, fields: Iterable[str]) -> list[Change]:
    return [
        scope.change(table, "updated", key, f, old.get(f, ""), new.get(f, ""))
        for f in fields
        if not same_value(old.get(f, ""), new.get(f, ""))
    ]


def project_key(row: Row) -> str:
    number = row.get("project_number", "")
    name = row.get("project_name", "")
    return f"No{number} {name}".strip() if number else name


def identity_changes(scope: Scope, table: str, old: Row, new: Row) -> list[Change]:
    """renamed / renumbered for a matched project."""
    out = []
    if normalize(old.get("project_name")) != normalize(new.get("project_name")):
        out.append(
            scope.change(
                table, "renamed", project_key(new), "project_name", old.get("project_name", ""), new.get("project_name", "")
            )
        )
    if not same_value(old.get("project_number", ""), new.get("project_number", "")):
        out.append(
            scope.change(
                table,
                "renumbered",
                project_key(new),
                "project_number",
                old.get("project_number", ""),
                new.get("project_number", ""),
            )
        )
    return out


PROJECT_FIELDS = ("category_1", "category_2", "category_3", "priority_measures", "page_ref")


def diff_projects(scope: Scope, old: list[Row], new: list[Row]) -> list[Change]:
    pairing = pair_projects(old, new)
    out = [scope.change("projects", "removed", project_key(r)) for r in pairing.old_only]
    out += [scope.change("projects", "added", project_key(r)) for r in pairing.new_only]
    for o, n in pairing.pairs:
        out += identity_changes(scope, "projects", o, n)
        out += field_changes(scope, "projects", project_key(n), o, n, PROJECT_FIELDS)
    return out


def matrix_projects(rows: list[Row]) -> list[Row]:
    """One pseudo-project per (matrix, number, name) of a participation table, with its cells."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.get("matrix", ""), r.get("project_number", ""), r.get("project_name", "")), []).append(r)
    return [{"matrix": m, "project_number": no, "project_name": name, "_cells": cells} for (m, no, name), cells in groups.items()]  # type: ignore[dict-item]


def diff_participation(scope: Scope, old: list[Row], new: list[Row], report_identity: bool) -> list[Change]:
    """Cells matched through their matched projects plus municipality_code.

    Renames and renumberings are reported here only when the document has no ``projects`` rows
    (``report_identity``); otherwise they are the projects table's news."""
    pairing = pair_projects(matrix_projects(old), matrix_projects(new))
    out = []
    for project in pairing.old_only:
        out += [
            scope.change("participation", "removed", cell_key(project, c), "status", c["status"], "") for c in cells_of(project)
        ]
    for project in pairing.new_only:
        out += [
            scope.change("participation", "added", cell_key(project, c), "status", "", c["status"]) for c in cells_of(project)
        ]
    for o, n in pairing.pairs:
        if report_identity:
            out += identity_changes(scope, "participation", o, n)
        out += cell_changes(scope, o, n)
    return out


def cell_key(project: Row, cell: Row) -> str:
    return f"{project_key(project)} / {cell.get('municipality_code', '')} {cell.get('municipality_name', '')}"


def cells_of(project: Row) -> list[Row]:
    return project["_cells"]  # type: ignore[return-value]


def cell_changes(scope: Scope, old_project: Row, new_project: Row) -> list[Change]:
    old_cells = {c.get("municipality_code", ""): c for c in cells_of(old_project)}
    new_cells = {c.get("municipality_code", ""): c for c in cells_of(new_project)}
    out = []
    for code in sorted(old_cells.keys() | new_cells.keys()):
        before = old_cells.get(code, {}).get("status", "none") or "none"
        after = new_cells.get(code, {}).get("status", "none") or "none"
        if before == after:
            continue
        cell = new_cells.get(code) or old_cells[code]
        kind = "joined" if before == "none" else "left" if after == "none" else "updated"
        out.append(scope.change("participation", kind, cell_key(new_project, cell), "status", before, after))
    return out


INDICATOR_FIELDS = tuple(f"{part}_{attr}" for part in ("baseline", "actual", "target") for attr in ("value", "unit", "period"))


def indicator_key(row: Row) -> str:
    return " / ".join(normalize(row.get(f)) for f in ("goal", "measure", "indicator"))


def diff_indicators(scope: Scope, old: list[Row], new: list[Row]) -> list[Change]:
    """Matched by (goal, measure, indicator) normalized, then fuzzy on that key."""
    pairing = pair_by_key(old, new, indicator_key)
    pairing = pair_by_score(pairing, lambda o, n: text_score(indicator_key(o), indicator_key(n)), TEXT_THRESHOLD)
    out = [scope.change("indicators", "removed", indicator_key(r)) for r in pairing.old_only]
    out += [scope.change("indicators", "added", indicator_key(r)) for r in pairing.new_only]
    for o, n in pairing.pairs:
        if indicator_key(o) != indicator_key(n):
            out.append(scope.change("indicators", "renamed", indicator_key(n), "indicator", indicator_key(o), indicator_key(n)))
        out += field_changes(scope, "indicators", indicator_key(n), o, n, INDICATOR_FIELDS)
        for part in ("baseline", "actual", "target"):  # a value still missing but annotated otherwise (未公表 -> 調査中)
            if not o.get(f"{part}_value") and not n.get(f"{part}_value"):
                out += field_changes(scope, "indicators", indicator_key(n), o, n, (f"{part}_text",))
    return out


def keyed_diff(
    table: str, key: Callable[[Row], str], fields: tuple[str, ...], fuzzy: bool = False
) -> Callable[[Scope, list[Row], list[Row]], list[Change]]:
    """A diff for tables whose rows have one stable key (and maybe a fuzzy second chance)."""

    def diff(scope: Scope, old: list[Row], new: list[Row]) -> list[Change]:
        pairing = pair_by_key(old, new, key)
        if fuzzy:
            pairing = pair_by_score(pairing, lambda o, n: text_score(key(o), key(n)), TEXT_THRESHOLD)
        out = [scope.change(table, "removed", key(r)) for r in pairing.old_only]
        out += [scope.change(table, "added", key(r)) for r in pairing.new_only]
        for o, n in pairing.pairs:
            out += field_changes(scope, table, key(n), o, n, fields)
        return out

    return diff


def _joined(*names: str) -> Callable[[Row], str]:
    return lambda r: " / ".join(normalize(r.get(n)) for n in names)


diff_observations = keyed_diff("observations", _joined("table_title", "series", "period"), ("value", "unit"))
diff_comments = keyed_diff("comments", lambda r: normalize(r.get("opinion"))[:200], ("response", "project_refs"), fuzzy=True)
diff_region_members = keyed_diff("region_members", _joined("region_name", "municipality_code"), ())
# A figure in running text has no identity beyond its content: changed figures are removed + added.
diff_metrics = keyed_diff("metrics", _joined("program", "metric", "value", "unit", "period", "qualifier"), ())


def document_label(row: Row) -> str:
    return row.get("title") or row.get("source_file", "") or row.get("doc_id", "")


def rows_by_doc(tables: Tables) -> dict[str, dict[str, list[Row]]]:
    out: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for table in DIFFED_TABLES[1:]:
        for row in tables.get(table, []):
            out[row.get("doc_id", "")][table].append(row)
    return out


def diff_document_rows(scope: Scope, old: dict[str, list[Row]], new: dict[str, list[Row]]) -> list[Change]:
    """Every table of one document pair (either side may be empty: a document added/removed)."""
    report_identity = not old.get("projects") and not new.get("projects")
    out = diff_projects(scope, old.get("projects", []), new.get("projects", []))
    out += diff_participation(scope, old.get("participation", []), new.get("participation", []), report_identity)
    out += diff_indicators(scope, old.get("indicators", []), new.get("indicators", []))
    for table, diff in (
        ("observations", diff_observations),
        ("comments", diff_comments),
        ("metrics", diff_metrics),
        ("region_members", diff_region_members),
    ):
        out += diff(scope, old.get(table, []), new.get(table, []))
    return out


def tables_to_report(old: Tables, new: Tables, old_dir: str = "", new_dir: str = "") -> DiffReport:
    """The pure core of ``diff_outputs``: two folders' tables -> typed changes."""
    matches = match_documents(old["documents"], new["documents"])
    old_docs = {r["doc_id"]: r for r in old["documents"]}
    new_docs = {r["doc_id"]: r for r in new["documents"]}
    old_rows, new_rows = rows_by_doc(old), rows_by_doc(new)
    changes: list[Change] = []
    for m in matches:
        o, n = old_docs[m.old_doc_id], new_docs[m.new_doc_id]
        scope = Scope(document_label(n), m.old_doc_id, m.new_doc_id)
        changes += field_changes(scope, "documents", n.get("source_file", ""), o, n, ("doc_id", "status"))
        changes += diff_document_rows(scope, old_rows[m.old_doc_id], new_rows[m.new_doc_id])
    matched_old = {m.old_doc_id for m in matches}
    matched_new = {m.new_doc_id for m in matches}
    for doc_id, row in old_docs.items():
        if doc_id not in matched_old:
            scope = Scope(document_label(row), doc_id, "")
            changes.append(scope.change("documents", "removed", row.get("source_file", "")))
            changes += diff_document_rows(scope, old_rows[doc_id], {})
    for doc_id, row in new_docs.items():
        if doc_id not in matched_new:
            scope = Scope(document_label(row), "", doc_id)
            changes.append(scope.change("documents", "added", row.get("source_file", "")))
            changes += diff_document_rows(scope, {}, new_rows[doc_id])
    counts = {t: (len(old.get(t, [])), len(new.get(t, []))) for t in DIFFED_TABLES}
    return DiffReport(old_dir, new_dir, matches, tuple(changes), counts)


def diff_outputs(old_dir: Path, new_dir: Path) -> DiffReport:
    """What changed from the keikaku output in ``old_dir`` to the one in ``new_dir``.

    Raises ``DiffUsageError`` when a folder is missing or is not keikaku output."""
    return tables_to_report(folder_to_tables(Path(old_dir)), folder_to_tables(Path(new_dir)), str(old_dir), str(new_dir))


# --- presenting and writing ------------------------------------------------------------------

EXAMPLES_PER_TABLE = 10


SHOWN_CHARACTERS = 200  # a longer value is cut in the printed summary (the CSV files keep it whole)


def shown(text: str) -> str:
    """``text`` for the summary: '(empty)', or cut to ``SHOWN_CHARACTERS`` with its length."""
    if not text:
        return "(empty)"
    return text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}… ({len(text):,} characters)"


def change_to_text(c: Change) -> str:
    detail = (
        f" {c.field}: {shown(c.old)} -> {shown(c.new)}"
        if c.field and c.change != "added" and c.change != "removed"
        else ""
    )
    return f"  {c.change:<10} {shown(c.key)}{detail}"


def report_to_text(report: DiffReport, examples: int | None = EXAMPLES_PER_TABLE) -> str:
    lines = [f"keikaku diff {report.old_dir} -> {report.new_dir}"]
    for m in report.matches:
        same = " (unchanged file)" if m.how == "doc_id" else f" (matched by {m.how}, {m.score:.0f})"
        lines.append(f"document {m.old_source_file} -> {m.new_source_file}{same}")
    counts = report.counts()
    if not counts:
        lines.append("no changes")
    for table in DIFFED_TABLES:
        if table not in counts:
            continue
        summary = ", ".join(f"{n} {kind}" for kind, n in counts[table].items())
        lines.append(f"{table}: {summary}")
        rows = report.changes_of(table)
        shown = rows if examples is None else rows[:examples]
        lines += [change_to_text(c) for c in shown]
        if len(shown) < len(rows):
            lines.append(f"  ... {len(rows) - len(shown)} more (write them all with --out DIR)")
    return "\n".join(lines) + "\n"


def report_to_json(report: DiffReport) -> str:
    data = {
        "old": report.old_dir,
        "new": report.new_dir,
        "documents_matched": [asdict(m) for m in report.matches],
        "counts": report.counts(),
        "row_counts": {t: {"old": o, "new": n} for t, (o, n) in report.row_counts.items()},
        "thresholds": {
            "document": DOCUMENT_THRESHOLD,
            "project_name": PROJECT_NAME_THRESHOLD,
            "number_fallback": NUMBER_FALLBACK_THRESHOLD,
            "text": TEXT_THRESHOLD,
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def changes_to_csv(changes: Sequence[Change], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # CRLF: with LF ends a bare CR in a value is left unquoted
        writer.writerow(CHANGE_COLUMNS)
        writer.writerows([getattr(c, col) for col in CHANGE_COLUMNS] for c in changes)


def is_diff_output(folder: Path) -> bool:
    return (folder / SUMMARY_JSON).is_file()


def is_own_diff_file(name: str) -> bool:
    """The names ``write_report`` writes (anything else in the folder is the user's, and kept)."""
    return name in (SUMMARY_TXT, SUMMARY_JSON) or (name.endswith("_diff.csv") and name[: -len("_diff.csv")] in DIFFED_TABLES)


def write_report(report: DiffReport, out: Path) -> None:
    """``<table>_diff.csv`` per changed table plus the summaries, swapped into ``out`` atomically
    (``pipeline.swap``, as ingest does: locked, fsynced, recoverable, the user's files kept)."""
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not is_diff_output(out))):
        raise DiffUsageError(f"{out} exists and is not a keikaku diff folder; refusing to replace it")

    def build(folder: Path) -> None:
        for table in report.counts():
            changes_to_csv(report.changes_of(table), folder / f"{table}_diff.csv")
        (folder / SUMMARY_TXT).write_text(report_to_text(report, examples=None), encoding="utf-8")
        (folder / SUMMARY_JSON).write_text(report_to_json(report), encoding="utf-8")

    replace_folder(out, build, own=is_own_diff_file)


def diff_command(old: Path, new: Path, out: Path | None) -> int:
    """``keikaku diff OLD NEW [--out DIR]``: print a summary (and write the diff files).

    Returns 0 when the diff ran, whatever it found; 1 on a usage error (message on stderr)."""
    try:
        report = diff_outputs(old, new)
        if out is not None:
            write_report(report, out)
    except (DiffUsageError, FolderBusy) as exc:
        print(f"keikaku: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"keikaku: error: {exc.strerror or exc} ({exc.filename or out})", file=sys.stderr)
        return 1
    sys.stdout.write(report_to_text(report))
    if out is not None:
        print(f"wrote {out}")
    return 0
