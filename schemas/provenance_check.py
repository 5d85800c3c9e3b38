"""``keikaku validate``'s checks of the provenance columns, across tables.

Per table, the column types are checked with the others (``schemas.validation``); here, what
needs a row's document or several columns at once:

- ``page`` within the document's ``pages`` (``documents.csv``): ``out-of-range``;
- the bbox whole (four numbers or none), ordered (``bbox_x0 <= bbox_x1``, ``bbox_top <=
  bbox_bottom``, none negative): ``out-of-range``;
- ``line_start`` and ``line_end`` both or neither, ``1 <= line_start <= line_end``: ``out-of-range``;
- present on every data row of a PDF (``page`` and the bbox) or a text document (``page`` and the
  lines): ``required-value-missing``;
- ``quality.row_key`` a JSON object of primary-key columns of its ``table`` (a leading part of
  the key, doc_id aside): ``bad-row-key``.

Everything is read as CSV text (all columns strings); values that are not numbers are left to
the type checks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping

import pandas as pd

from schemas.quality import Code, Severity
from schemas.tables import BBOX_COLUMNS, PROVENANCE_TABLES, ROW_TYPE_BY_TABLE, QualityRow

PDF = "application/pdf"
TEXT = "text/plain"
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def provenance_problems(frames: Mapping[str, pd.DataFrame]) -> list[QualityRow]:
    """Every provenance problem of the tables ``frames`` (name -> all-string frame, as read from
    CSV); tables that are missing or lack the columns are skipped (reported elsewhere)."""
    documents = _documents(frames.get("documents"))
    problems: list[QualityRow] = []
    for table in PROVENANCE_TABLES:
        frame = frames.get(table)
        if frame is not None and {f.name for f in dataclasses.fields(ROW_TYPE_BY_TABLE[table])} <= set(frame.columns):
            problems += [_problem(table, row, doc_id, code, message) for row, doc_id, code, message in _row_problems(table, frame, documents)]
    quality = frames.get("quality")
    if quality is not None and {"doc_id", "table", "row_key"} <= set(quality.columns):
        problems += list(_row_key_problems(quality))
    return problems


def _documents(frame: pd.DataFrame | None) -> dict[str, tuple[str, int | None]]:
    """doc_id -> (media type, pages) of the documents table."""
    if frame is None or not {"doc_id", "media_type", "pages"} <= set(frame.columns):
        return {}
    out = {}
    for doc_id, media, pages in frame[["doc_id", "media_type", "pages"]].itertuples(index=False, name=None):
        out[str(doc_id)] = (str(media), int(pages) if str(pages).isdigit() else None)
    return out


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _row_problems(table: str, frame: pd.DataFrame, documents: Mapping[str, tuple[str, int | None]]) -> Iterator[tuple[int, str, Code, str]]:
    columns = ["doc_id", "page", *BBOX_COLUMNS, "line_start", "line_end"]
    for i, (doc_id, page, *rest) in enumerate(frame[columns].astype(str).itertuples(index=False, name=None)):
        box_text, (start_text, end_text) = rest[:4], rest[4:]
        where = f"{table}: row {i + 1}"
        media, pages = documents.get(doc_id, ("", None))
        page_number = int(page) if page.isdigit() else None
        if page_number is not None and (page_number < 1 or (pages is not None and page_number > pages)):
            yield i, doc_id, Code.OUT_OF_RANGE, f"{where}: page {page} is not a page of the document ({pages} pages)"
        box = [_number(t) for t in box_text]
        given = [t for t in box_text if t]
        if given and len(given) < 4:
            yield i, doc_id, Code.REQUIRED_VALUE_MISSING, f"{where}: bbox given in part ({', '.join(c for c, t in zip(BBOX_COLUMNS, box_text, strict=True) if not t)} empty)"
        elif given and None not in box:
            x0, top, x1, bottom = box  # type: ignore[misc]
            if x0 > x1 or top > bottom or min(box) < 0:  # type: ignore[type-var]
                yield i, doc_id, Code.OUT_OF_RANGE, f"{where}: bbox ({', '.join(box_text)}) is not an ordered rectangle (x0 <= x1, top <= bottom, none negative)"
        if bool(start_text) != bool(end_text):
            yield i, doc_id, Code.REQUIRED_VALUE_MISSING, f"{where}: line_start and line_end go together ({start_text or 'empty'}, {end_text or 'empty'})"
        elif start_text.isdigit() and end_text.isdigit() and not 1 <= int(start_text) <= int(end_text):
            yield i, doc_id, Code.OUT_OF_RANGE, f"{where}: line_start {start_text} > line_end {end_text} (or below 1)"
        if media == PDF and (not page or len(given) < 4):
            yield i, doc_id, Code.REQUIRED_VALUE_MISSING, f"{where}: a row of a PDF needs page and bbox"
        elif media == TEXT and (not page or not start_text or not end_text):
            yield i, doc_id, Code.REQUIRED_VALUE_MISSING, f"{where}: a row of a text document needs page, line_start and line_end"


def _row_key_problems(quality: pd.DataFrame) -> Iterator[QualityRow]:
    for i, (doc_id, table, key) in enumerate(quality[["doc_id", "table", "row_key"]].astype(str).itertuples(index=False, name=None)):
        if not key:
            continue
        where = f"quality: row {i + 1}"
        try:
            data = json.loads(key)
        except ValueError:
            data = None
        row_type = ROW_TYPE_BY_TABLE.get(table)
        names = [n for n in row_type.PRIMARY_KEY if n != "doc_id"] if row_type is not None else []
        if not isinstance(data, dict) or not data or list(data) != names[: len(data)]:
            message = f"{where}: row_key {key!r} is not a JSON object of a leading part of {table or 'its table'}'s key ({', '.join(names) or 'none'})"
            yield _problem("quality", i, doc_id, Code.BAD_ROW_KEY, message)


def _problem(table: str, row: int, doc_id: str, code: Code, message: str) -> QualityRow:
    return QualityRow(doc_id=doc_id or None, table=table, code=code.value, severity=Severity.ERROR.value,
                      message=message, location=f"row {row + 1}")
