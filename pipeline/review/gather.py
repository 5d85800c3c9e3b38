"""What the review page shows, read from an output folder's CSV files: the documents, every
doubtful value (a ``quality`` row about a row or table of a document, a participation cell read
as ambiguous or with low confidence) with the place it was printed, every participation matrix
as a grid and every time series as points.

Rows are joined to quality rows by ``quality.row_key`` (the row's primary key, doc_id aside, or
a leading part of it for a problem about several rows) and ``quality.table_id``."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from schemas.tables import BBOX_COLUMNS, PROVENANCE_COLUMNS, PROVENANCE_TABLES, ROW_TYPE_BY_TABLE, columns_of

LOW_CONFIDENCE = 0.9  # a participation cell read with less confidence than this is doubtful
AMBIGUOUS, LOW = "ambiguous", "low-confidence"  # the page's labels for doubtful cells without a quality row
# The column a reviewer most likely corrects, per table (any other non-key column can be picked).
MAIN_COLUMN = {
    "participation": "status", "projects": "project_name", "region_members": "municipality_name",
    "indicators": "target_value", "observations": "value", "comments": "response", "metrics": "value", "cells": "text",
}
JUMP_RATIO = 10  # consecutive values of a series this many times apart: a likely unit or scale mistake


@dataclass(frozen=True)
class Place:
    """Where a value is printed: page and bbox (PDF points, top-left origin) or file lines."""

    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    lines: tuple[int, int] | None = None


@dataclass(frozen=True)
class Item:
    """One doubtful value (a row) or one problem about several rows, a table or a document."""

    doc_id: str
    table: str
    row_key: str  # quality.row_key of the row(s) ('' for a table or document as a whole)
    codes: tuple[str, ...]
    severity: str
    messages: tuple[str, ...]
    place: Place | None
    row: dict[str, str] | None = None  # the one row it is about: its columns as written (correctable)
    rows: int = 0  # how many rows it is about
    table_id: str = ""


@dataclass
class Review:
    """Everything the page shows, as plain data (``pipeline.review.page`` turns it into JSON)."""

    documents: list[dict[str, Any]]
    items: list[Item]
    matrices: list[dict[str, Any]]
    series: list[dict[str, Any]]
    columns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_table(folder: Path, table: str) -> list[dict[str, str]]:
    path = folder / f"{table}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_output(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {table: read_table(folder, table) for table in ROW_TYPE_BY_TABLE}


def output_to_review(tables: dict[str, list[dict[str, str]]]) -> Review:
    """The page's data from the output tables (``read_output``)."""
    index = RowIndex(tables)
    items = merge_row_items(quality_to_items(tables["quality"], index) + doubtful_cells_to_items(tables["participation"], index))
    return Review(
        documents=documents_to_summaries(tables),
        items=items,
        matrices=participation_to_matrices(tables["participation"], index),
        series=observations_to_series(tables["observations"]),
        columns={table: correctable_columns(table) for table in PROVENANCE_TABLES},
    )


# --- rows and their keys --------------------------------------------------------------------------


def key_values(table: str, row: dict[str, str]) -> tuple[Any, ...]:
    """The row's primary key (doc_id aside) typed as ``quality.row_key`` writes it."""
    return tuple(typed_key(table, name, row.get(name, "")) for name in ROW_TYPE_BY_TABLE[table].PRIMARY_KEY if name != "doc_id")


def typed_key(table: str, name: str, text: str) -> Any:
    spec = _SPECS[table][name]
    if spec.python_type == "int" and text.lstrip("-").isdigit():
        return int(text)
    return text


_SPECS = {table: {s.name: s for s in columns_of(t)} for table, t in ROW_TYPE_BY_TABLE.items()}


def key_text(table: str, row: dict[str, str]) -> str:
    names = [n for n in ROW_TYPE_BY_TABLE[table].PRIMARY_KEY if n != "doc_id"]
    return json.dumps(dict(zip(names, key_values(table, row), strict=True)), ensure_ascii=False, separators=(",", ":"))


class RowIndex:
    """The data rows of each (document, table), found by a whole or leading part of their key."""

    def __init__(self, tables: dict[str, list[dict[str, str]]]) -> None:
        self._rows: dict[tuple[str, str], list[tuple[tuple[Any, ...], dict[str, str]]]] = defaultdict(list)
        for table in PROVENANCE_TABLES:
            for row in tables.get(table, []):
                self._rows[(row["doc_id"], table)].append((key_values(table, row), row))
        self._prefix: dict[tuple[str, str, int], dict[tuple[Any, ...], list[dict[str, str]]]] = {}

    def find(self, doc_id: str, table: str, key: dict[str, Any]) -> list[dict[str, str]]:
        """Rows whose key starts with ``key`` (its columns, in key order)."""
        names = [n for n in ROW_TYPE_BY_TABLE[table].PRIMARY_KEY if n != "doc_id"]
        if list(key) != names[: len(key)]:
            return []
        n = len(key)
        by_prefix = self._prefix.get((doc_id, table, n))
        if by_prefix is None:
            by_prefix = defaultdict(list)
            for values, row in self._rows.get((doc_id, table), []):
                by_prefix[values[:n]].append(row)
            self._prefix[(doc_id, table, n)] = by_prefix
        return by_prefix.get(tuple(key.values()), [])

    def in_table(self, doc_id: str, table: str, table_id: str) -> list[dict[str, str]]:
        return [row for _, row in self._rows.get((doc_id, table), []) if row.get("table_id") == table_id]


def rows_to_place(rows: list[dict[str, str]]) -> Place | None:
    """The place of some rows: their first page, the rectangle around their bboxes on it, or the
    lines from the first to the last."""
    pages = [int(r["page"]) for r in rows if r.get("page", "").isdigit()]
    if not pages:
        return None
    page = min(pages)
    boxes = [tuple(float(r[c]) for c in BBOX_COLUMNS) for r in rows if r.get("page") == str(page) and all(r.get(c) for c in BBOX_COLUMNS)]
    starts = [int(r["line_start"]) for r in rows if r.get("line_start", "").isdigit()]
    ends = [int(r["line_end"]) for r in rows if r.get("line_end", "").isdigit()]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None
    lines = (min(starts), max(ends)) if starts and ends else None
    return Place(page=page, bbox=bbox, lines=lines)


def own_columns(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if k not in PROVENANCE_COLUMNS or k == "table_id"}


# --- doubtful values --------------------------------------------------------------------------------


def quality_to_items(quality: list[dict[str, str]], index: RowIndex) -> list[Item]:
    """One item per row that quality rows name by its whole key (their codes merged), and one
    per quality row about several rows, a table or a document."""
    by_row: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    items: list[Item] = []
    for q in quality:
        doc_id, table, text = q.get("doc_id", ""), q.get("table", ""), q.get("row_key", "")
        key = parse_key(text)
        rows = index.find(doc_id, table, key) if key and table in PROVENANCE_TABLES else []
        if len(rows) == 1 and len(key) == len(key_values(table, rows[0])):
            by_row[(doc_id, table, text)].append(q)
            continue
        if not rows and not key and q.get("table_id") and table in PROVENANCE_TABLES:
            rows = index.in_table(doc_id, table, q["table_id"]) or index.in_table(doc_id, "cells", q["table_id"])
        items.append(Item(doc_id, table, text, (q["code"],), q["severity"], (q["message"],), rows_to_place(rows),
                          rows=len(rows), table_id=q.get("table_id", "")))
    for (doc_id, table, text), found in by_row.items():
        row = index.find(doc_id, table, parse_key(text))[0]
        items.append(row_item(doc_id, table, row, [q["code"] for q in found], [q["message"] for q in found], worst(found)))
    return items


def doubtful_cells_to_items(participation: list[dict[str, str]], index: RowIndex) -> list[Item]:
    """Participation cells the solver could not settle (ambiguous, or read with low confidence)."""
    items = []
    for row in participation:
        labels = doubt_labels(row)
        if labels:
            mark = row.get("observed_mark")
            messages = [f"read as {row['status']} (printed mark {mark!r} before recovery)" if mark else
                        f"read as {row['status']} (no mark printed before recovery)"]
            messages[0] += f", confidence {row['confidence']}"
            items.append(row_item(row["doc_id"], "participation", row, labels, messages, "warning"))
    return items


def merge_row_items(items: list[Item]) -> list[Item]:
    """One item per row: a doubtful cell that quality rows also name gets their codes and messages."""
    position: dict[tuple[str, str, str], int] = {}
    result: list[Item] = []
    for item in items:
        key = (item.doc_id, item.table, item.row_key)
        if item.row is None or key not in position:
            position.update({key: len(result)} if item.row is not None else {})
            result.append(item)
            continue
        first = result[position[key]]
        result[position[key]] = replace(first, codes=first.codes + item.codes, messages=first.messages + item.messages,
                                        severity=worst([{"severity": first.severity}, {"severity": item.severity}]))
    return result


def doubt_labels(row: dict[str, str]) -> list[str]:
    labels = [AMBIGUOUS] if row.get("ambiguous") == "true" else []
    try:
        if float(row.get("confidence") or 1) < LOW_CONFIDENCE:
            labels.append(LOW)
    except ValueError:
        pass
    return labels


def row_item(doc_id: str, table: str, row: dict[str, str], codes: list[str], messages: list[str], severity: str) -> Item:
    return Item(doc_id, table, key_text(table, row), tuple(codes), severity, tuple(messages), rows_to_place([row]),
                row=own_columns(row), rows=1, table_id=row.get("table_id", ""))


def parse_key(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def worst(quality: list[dict[str, str]]) -> str:
    order = ("error", "warning", "info")
    return min((q["severity"] for q in quality), key=lambda s: order.index(s) if s in order else len(order))


def correctable_columns(table: str) -> list[dict[str, Any]]:
    """The columns a reviewer may correct (not doc_id, the key or provenance), main one first."""
    row_type = ROW_TYPE_BY_TABLE[table]
    specs = [s for s in columns_of(row_type) if s.name not in (*row_type.PRIMARY_KEY, "doc_id", *PROVENANCE_COLUMNS)]
    specs.sort(key=lambda s: s.name != MAIN_COLUMN.get(table))
    return [{"name": s.name, "options": list(s.enum or ()), "kind": s.kind} for s in specs]


# --- documents, matrices, series --------------------------------------------------------------------


def documents_to_summaries(tables: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for table in PROVENANCE_TABLES:
        for row in tables.get(table, []):
            counts[row["doc_id"]][table] += 1
    for q in tables.get("quality", []):
        codes[q.get("doc_id", "")][q["code"]] += 1
    keep = ("doc_id", "source_file", "sha256", "media_type", "pages", "status", "error_code", "error_message", "encoding", "title")
    return [{**{k: d.get(k, "") for k in keep}, "rows": dict(counts[d["doc_id"]]), "codes": dict(codes[d["doc_id"]])}
            for d in tables.get("documents", [])]


def participation_to_matrices(participation: list[dict[str, str]], index: RowIndex) -> list[dict[str, Any]]:
    """Each matrix as members (columns), project rows and a status per cell ('e' ●, 'n' ○, '' blank;
    '?' after it: doubtful)."""
    grouped: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in participation:
        grouped[(row["doc_id"], row["matrix"])].append(row)
    return [rows_to_matrix(doc_id, matrix, rows) for (doc_id, matrix), rows in grouped.items()]


_MARK = {"existing": "e", "new": "n", "none": ""}


def rows_to_matrix(doc_id: str, matrix: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    members = list(dict.fromkeys((r["municipality_code"], r["municipality_name"]) for r in rows))
    column = {code: i for i, (code, _) in enumerate(members)}
    projects: dict[int, dict[str, Any]] = {}
    for r in rows:
        number = int(r["project_row"])
        line = projects.setdefault(number, {"row": number, "number": r.get("project_number", ""), "name": r.get("project_name", ""),
                                            "cells": [""] * len(members)})
        line["cells"][column[r["municipality_code"]]] = _MARK.get(r["status"], "") + ("?" if doubt_labels(r) else "")
    place = rows_to_place(rows)
    return {"doc_id": doc_id, "matrix": int(matrix), "members": [name for _, name in members],
            "codes": [code for code, _ in members], "rows": [projects[k] for k in sorted(projects)],
            "table_id": rows[0].get("table_id", ""), "place": place}


def observations_to_series(observations: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each (document, table title, series) with two numbers or more, in period order."""
    grouped: dict[tuple[str, str, str], list[tuple[str, Decimal]]] = defaultdict(list)
    units: dict[tuple[str, str, str], str] = {}
    for row in observations:
        value = to_number(row.get("value", ""))
        if value is None:
            continue
        key = (row["doc_id"], row["table_title"], row["series"])
        grouped[key].append((row["period"], value))
        units.setdefault(key, row.get("unit", ""))
    series = []
    for (doc_id, title, name), points in grouped.items():
        if len(points) < 2:
            continue
        points.sort(key=lambda p: p[0])
        series.append({"doc_id": doc_id, "title": title, "series": name, "unit": units[(doc_id, title, name)],
                       "periods": [p for p, _ in points], "values": [float(v) for _, v in points], "jump": has_jump(v for _, v in points)})
    return series


def to_number(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def has_jump(values: Iterable[Decimal]) -> bool:
    """Two consecutive non-zero values JUMP_RATIO times apart or more (a unit or scale slip)."""
    numbers = [abs(v) for v in values if v]
    return any(max(a, b) >= JUMP_RATIO * min(a, b) for a, b in zip(numbers, numbers[1:], strict=False))
