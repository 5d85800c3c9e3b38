"""Row types of every output table (SPEC v1), one frozen dataclass per table.

Each field carries its meaning and its semantic kind in ``metadata``; the validation checks,
``datapackage.json`` and ``keikaku schema`` are all derived from these classes, so the contract
lives in exactly one place.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

# Semantic kinds beyond the Python type; validation checks each one.
KIND_TEXT = "text"
KIND_DOC_ID = "doc_id"  # 16 lowercase hex digits
KIND_SHA256 = "sha256"  # 64 lowercase hex digits
KIND_MUNICIPALITY_CODE = "municipality_code"  # 6 digits, JIS X 0402 check digit, in gazetteer
KIND_PERIOD = "period"  # 2024 | FY2024 | FY2020/FY2022 | 2018-10-01/2020-03-31 ...
KIND_INTEGER = "integer"
KIND_NUMBER = "number"
KIND_BOOLEAN = "boolean"
KIND_CONFIDENCE = "confidence"  # number in [0, 1]


def col(
    description: str,
    *,
    kind: str | None = None,
    required: bool = False,
    enum: tuple[str, ...] | None = None,
    default: Any = None,
) -> Any:
    """A dataclass field with its contract metadata (meaning, kind, required, allowed values)."""
    meta = {"description": description, "kind": kind, "required": required, "enum": enum}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the contract, as derived from a row dataclass field."""

    name: str
    python_type: str  # "str" | "int" | "Decimal" | "float" | "bool"
    kind: str
    description: str
    required: bool
    enum: tuple[str, ...] | None


# --- provenance: where each data row was printed ------------------------------------------------

PROVENANCE_TABLES = ("participation", "projects", "region_members", "indicators", "observations", "comments", "metrics", "cells")


@dataclass(frozen=True)
class ProvenanceColumns:
    """The provenance columns, appended after the own columns of every data table
    (``with_provenance``). PDF inputs: ``page`` and the bbox (four columns, PDF points, origin at
    the page's top-left: pdfplumber's ``page.crop((bbox_x0, bbox_top, bbox_x1, bbox_bottom))``).
    Text inputs: ``page`` and ``line_start`` / ``line_end``. ``table_id`` and ``strategy`` for
    rows read from a table (empty for rows read from running text)."""

    page: int | None = col("Page the row's value is printed on (1-based; text inputs: form-feed page).", kind=KIND_INTEGER)
    bbox_x0: float | None = col("PDF inputs: left edge of the rectangle holding the row's printed value (PDF points from the page's left).", kind=KIND_NUMBER)
    bbox_top: float | None = col("PDF inputs: top edge of that rectangle (PDF points from the page's top).", kind=KIND_NUMBER)
    bbox_x1: float | None = col("PDF inputs: right edge of that rectangle (PDF points from the page's left).", kind=KIND_NUMBER)
    bbox_bottom: float | None = col("PDF inputs: bottom edge of that rectangle (PDF points from the page's top).", kind=KIND_NUMBER)
    line_start: int | None = col("Text inputs: first line the row's value is printed on (1-based line of the whole file).", kind=KIND_INTEGER)
    line_end: int | None = col("Text inputs: last line the row's value is printed on (1-based, >= line_start).", kind=KIND_INTEGER)
    table_id: int | None = col("Table the row was read from (its table_id in cells: 0-based, reading order); empty for running text.", kind=KIND_INTEGER)
    strategy: str | None = col("How that table was read (ruled, borderless, tabs, layout-text …); empty for running text.")


PROVENANCE_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ProvenanceColumns))
BBOX_COLUMNS = ("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom")


def with_provenance(cls: type) -> type:
    """The row type with the provenance columns it does not have yet appended after its own
    (same name, module and docstring: it replaces the class)."""
    own = {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(ProvenanceColumns)
    extra = [(f.name, hints[f.name], field(default=None, metadata=f.metadata)) for f in dataclasses.fields(ProvenanceColumns) if f.name not in own]
    new = dataclasses.make_dataclass(cls.__name__, extra, bases=(cls,), frozen=True, namespace={"__doc__": cls.__doc__})
    new.__module__, new.__qualname__ = cls.__module__, cls.__qualname__
    return new


@dataclass(frozen=True)
class TableRow:
    """Base of all row types; ``TABLE`` names the output file, ``PRIMARY_KEY`` its key."""

    TABLE: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = ""
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ()


STATUS_DOCUMENT = ("ok", "partial", "failed")
STATUS_PARTICIPATION = ("existing", "new", "none")
SEVERITY = ("error", "warning", "info")


@dataclass(frozen=True)
class DocumentRow(TableRow):
    TABLE: ClassVar[str] = "documents"
    DESCRIPTION: ClassVar[str] = "One row per input file, with its processing status."
    # Keyed by file: two files with the same bytes share a doc_id (the second is `duplicate-input`).
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("source_file",)

    doc_id: str = col("First 16 hex digits of the SHA-256 of the file bytes.", kind=KIND_DOC_ID, required=True)
    source_file: str = col("Input path as given (relative to the ingest root when a folder was given).", required=True)
    sha256: str = col("SHA-256 of the input file bytes.", kind=KIND_SHA256, required=True)
    media_type: str = col("Detected media type: text/plain or application/pdf.", required=True)
    pages: int | None = col("Number of pages (text inputs: form-feed separated pages, usually 1).", kind=KIND_INTEGER)
    status: str = col("ok, partial (some content could not be extracted) or failed.", required=True, enum=STATUS_DOCUMENT)
    error_code: str | None = col("Stable code of the error that failed the document (see quality codes).")
    error_message: str | None = col("Human-readable explanation of error_code.")
    encoding: str | None = col("Text encoding detected for text inputs (utf-8, utf-8-sig, cp932 ...).")
    title: str | None = col("Title from the manifest, when one was given.")
    issuer: str | None = col("Issuing body from the manifest, when one was given.")
    fiscal_year: str | None = col("Fiscal year from the manifest (FY2024).", kind=KIND_PERIOD)


@with_provenance
@dataclass(frozen=True)
class ParticipationRow(TableRow):
    TABLE: ClassVar[str] = "participation"
    DESCRIPTION: ClassVar[str] = "Project x member municipality of a participation matrix."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "matrix", "project_row", "municipality_code")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    matrix: int = col("Index of the matrix within the document (0-based).", kind=KIND_INTEGER, required=True, default=0)
    project_row: int = col("Position of the project row within the matrix (0-based): tells apart rows whose "
                           "printed number repeats or is missing.", kind=KIND_INTEGER, required=True, default=0)
    project_number: int | None = col("Project number as printed (No).", kind=KIND_INTEGER)
    project_name: str | None = col("Project name.")
    municipality_code: str = col("6-digit code of the member municipality.", kind=KIND_MUNICIPALITY_CODE, required=True, default="")
    municipality_name: str = col("Official name of the member municipality.", required=True, default="")
    status: str = col("existing (●), new (○) or none (blank).", required=True, enum=STATUS_PARTICIPATION, default="none")
    confidence: float = col("How sure the pipeline is of status (0-1).", kind=KIND_CONFIDENCE, required=True, default=1.0)
    ambiguous: bool = col("True where the document's evidence allows another reading.", kind=KIND_BOOLEAN, required=True, default=False)
    observed_mark: str | None = col("Mark as extracted before recovery (●, ○ or empty).")


@with_provenance
@dataclass(frozen=True)
class ProjectRow(TableRow):
    TABLE: ClassVar[str] = "projects"
    DESCRIPTION: ClassVar[str] = "Project in a project list or participation matrix."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "row")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    row: int = col("Row index of the project within the document (0-based, document order).", kind=KIND_INTEGER, required=True, default=0)
    project_number: int | None = col("Project number as printed (No / NO.).", kind=KIND_INTEGER)
    project_name: str | None = col("Project name (empty when the document prints none).")
    category_1: str | None = col("Top category (大分類 / policy area).")
    category_2: str | None = col("Second category (中分類 / policy field).")
    category_3: str | None = col("Third category (小分類), when the document has one.")
    priority_measures: str | None = col("Priority measures marked for the project, ';'-separated numbers (1;2;6 for ①②⑥).")
    page_ref: int | None = col("Page where the project is described.", kind=KIND_INTEGER)
    flags: str | None = col("';'-separated flags: duplicate-number, missing-name, label-placement-uncertain ...")


@with_provenance
@dataclass(frozen=True)
class RegionMemberRow(TableRow):
    TABLE: ClassVar[str] = "region_members"
    DESCRIPTION: ClassVar[str] = "Municipality named as a member of a region."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "region_name", "municipality_code")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    region_name: str = col("Region name as normalized (…連携地域, …定住自立圏, …都市圏, …圏域).", required=True, default="")
    region_kind: str | None = col("Kind of region derived from its name.")
    municipality_code: str = col("6-digit code of the member.", kind=KIND_MUNICIPALITY_CODE, required=True, default="")
    municipality_name: str = col("Official name of the member.", required=True, default="")
    source_text: str | None = col("The member's name as printed (before OCR correction).")
    match_score: float | None = col("Gazetteer match score (100 exact).", kind=KIND_NUMBER)


@with_provenance
@dataclass(frozen=True)
class IndicatorRow(TableRow):
    TABLE: ClassVar[str] = "indicators"
    DESCRIPTION: ClassVar[str] = "KPI row (指標 with 基準値 / 実績 / 目標値)."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "row")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    row: int = col("Row index of the indicator within the document (0-based).", kind=KIND_INTEGER, required=True, default=0)
    goal: str | None = col("Basic goal (基本目標) the indicator belongs to.")
    measure: str | None = col("Measure or project (施策 / 事業名) the indicator evaluates.")
    indicator: str = col("Indicator name (指標).", required=True, default="")
    baseline_value: Decimal | None = col("Baseline value (基準値), scale word applied.", kind=KIND_NUMBER)
    baseline_unit: str | None = col("Unit of the baseline value.")
    baseline_period: str | None = col("Period of the baseline value.", kind=KIND_PERIOD)
    baseline_text: str | None = col("Baseline cell as printed.")
    actual_value: Decimal | None = col("Latest actual value (実績).", kind=KIND_NUMBER)
    actual_unit: str | None = col("Unit of the actual value.")
    actual_period: str | None = col("Period of the actual value.", kind=KIND_PERIOD)
    actual_text: str | None = col("Actual cell as printed.")
    target_value: Decimal | None = col("Target value (目標値).", kind=KIND_NUMBER)
    target_unit: str | None = col("Unit of the target value.")
    target_period: str | None = col("Period of the target value.", kind=KIND_PERIOD)
    target_text: str | None = col("Target cell as printed.")


@with_provenance
@dataclass(frozen=True)
class ObservationRow(TableRow):
    TABLE: ClassVar[str] = "observations"
    DESCRIPTION: ClassVar[str] = "Value of a statistical time-series table (人口動態 etc.)."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "table_title", "series", "period")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    table_title: str = col("Title of the table.", required=True, default="")
    series: str = col("Series name; a group label is joined with ' / ' (自然動態 / 出生数).", required=True, default="")
    period: str = col("Period of the value.", kind=KIND_PERIOD, required=True, default="")
    value: Decimal | None = col("Value, scale word applied.", kind=KIND_NUMBER)
    unit: str | None = col("Unit (from the table's 単位 note or the cell).")
    value_text: str | None = col("Cell as printed.")
    aggregate: bool = col("True for a printed 計 / 小計 / 合計 (row or column): a total of other series, not a series of its own.", kind=KIND_BOOLEAN, required=True, default=False)


@with_provenance
@dataclass(frozen=True)
class CommentRow(TableRow):
    TABLE: ClassVar[str] = "comments"
    DESCRIPTION: ClassVar[str] = "Opinion and its answer in a comments table (御意見 / 考え方)."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "item")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    item: int = col("Item number in document order (1-based).", kind=KIND_INTEGER, required=True, default=0)
    opinion: str = col("The opinion (御意見).", required=True, default="")
    response: str | None = col("The administration's answer (考え方).")
    project_refs: str | None = col("';'-separated project numbers referred to (40;53).")
    printed_item: str | None = col("The item's number as printed in the table (1, No.1, ①); numbering may restart under a heading.")
    refers_to_item: str | None = col("The item whose answer this answer points to (「No.5の回答のとおり」), as printed (5).")


METRIC_KINDS = ("level", "change", "ratio")


@with_provenance
@dataclass(frozen=True)
class MetricRow(TableRow):
    TABLE: ClassVar[str] = "metrics"
    DESCRIPTION: ClassVar[str] = "Figure stated in running text (実績 813件 ...)."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "row")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    row: int = col("Row index within the document (0-based).", kind=KIND_INTEGER, required=True, default=0)
    program: str | None = col("Program: the heading the figure sits under.")
    metric: str | None = col("What is measured (the noun phrase, e.g. 相談件数).")
    value: Decimal | None = col("Value, scale word applied.", kind=KIND_NUMBER)
    unit: str | None = col("Unit.")
    period: str | None = col("Period the figure refers to.", kind=KIND_PERIOD)
    qualifier: str | None = col("Qualifier: 約, 延べ, うち, 以上 ...")
    text: str | None = col("Sentence the figure was found in.")
    kind: str | None = col("What the figure is: level (an amount or count), change (a difference from an earlier one: "
                           "前年度比2億円減 is -200000000) or ratio (a share, rate or index, 伸び率3.0%の減少 is -3.0).",
                           enum=METRIC_KINDS)  # fmt: skip
    confidence: float | None = col("How sure the reading is (0-1); figures below 0.5 are not written here but listed in quality "
                                   "(figure-uncertain).", kind=KIND_CONFIDENCE)  # fmt: skip


CELL_ROLES = ("header", "stub", "data")


@with_provenance
@dataclass(frozen=True)
class CellRow(TableRow):
    TABLE: ClassVar[str] = "cells"
    DESCRIPTION: ClassVar[str] = ("Every cell of a table no extractor understood, in long form with its header path, "
                                  "so the data of any table is delivered.")
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("doc_id", "table_id", "row", "column")

    doc_id: str = col("Document id.", kind=KIND_DOC_ID, required=True)
    table_id: int = col("Index of the table within the document (0-based, reading order).", kind=KIND_INTEGER, required=True, default=0)
    table_title: str | None = col("The table's title: the heading printed above it (its list number and notes removed).")
    page: int | None = col("Page the cell is printed on (1-based).", kind=KIND_INTEGER)
    row: int = col("Row of the cell in the table grid (0-based; a merged cell: its first row).", kind=KIND_INTEGER, required=True, default=0)
    column: int = col("Column of the cell in the table grid (0-based; a merged cell: its first column).", kind=KIND_INTEGER, required=True, default=0)
    row_span: int = col("Rows the cell spans (merged cells > 1).", kind=KIND_INTEGER, required=True, default=1)
    col_span: int = col("Columns the cell spans (merged cells > 1).", kind=KIND_INTEGER, required=True, default=1)
    role: str = col("header (a column heading), stub (a row label) or data.", required=True, enum=CELL_ROLES, default="data")
    row_header: str | None = col("The row labels of a data cell, outermost first, joined with ' › ' (自然動態 › 出生数).")
    column_header: str | None = col("The column headings of a data cell, top first, joined with ' › ' (人口 › 男).")
    header_path: str | None = col("row_header × column_header: the header path of a data cell.")
    text: str | None = col("The cell as printed (NFKC, marks kept; line breaks inside the cell removed).")
    value: Decimal | None = col("The cell's number, scale word and the table's unit applied (1,718千円 -> 1718000).", kind=KIND_NUMBER)
    unit: str | None = col("Unit of value (from the cell, its headers or the table's 単位 note).")
    period: str | None = col("Period the cell's headers name, when they name one.", kind=KIND_PERIOD)
    aggregate: bool = col("True for a cell in a printed 計 / 小計 / 合計 row or column.", kind=KIND_BOOLEAN, required=True, default=False)
    strategy: str | None = col("How the table was read (ruled, borderless, tabs, layout-text …).")


@dataclass(frozen=True)
class QualityRow(TableRow):
    TABLE: ClassVar[str] = "quality"
    DESCRIPTION: ClassVar[str] = "Problem found while reading, extracting or validating."
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ()

    doc_id: str | None = col("Document id (empty for run-level problems).", kind=KIND_DOC_ID)
    table: str | None = col("Table the problem concerns (empty for input problems).")
    code: str = col("Stable problem code (see `keikaku schema`).", required=True, default="")
    severity: str = col("error, warning or info.", required=True, enum=SEVERITY, default="warning")
    message: str = col("Human-readable description.", required=True, default="")
    location: str | None = col("Where: page/line for inputs, row and column for tables.")
    row_key: str | None = col("The primary key of the row of `table` the problem is about, doc_id aside, as a compact JSON "
                              "object in key order ({\"matrix\":0,\"project_row\":3,\"municipality_code\":\"012025\"}); a leading "
                              "part of the key for a problem about several rows ({\"matrix\":0,\"project_row\":3}: every member "
                              "of that project row; {\"table_id\":2}: a whole table of cells). Empty for problems about the "
                              "document or a table as a whole.")
    table_id: int | None = col("The document's table the problem was found in (cells.table_id and the data tables' "
                               "table_id); empty when not about a table.", kind=KIND_INTEGER)


ROW_TYPES: tuple[type[TableRow], ...] = (
    DocumentRow,
    ParticipationRow,
    ProjectRow,
    RegionMemberRow,
    IndicatorRow,
    ObservationRow,
    CommentRow,
    MetricRow,
    CellRow,
    QualityRow,
)
TABLE_NAMES: tuple[str, ...] = tuple(t.TABLE for t in ROW_TYPES)


def row_key(row: TableRow) -> tuple[tuple[str, Any], ...]:
    """The row's primary key, doc_id aside, as (column, value) pairs (``quality.row_key``)."""
    return tuple((name, getattr(row, name)) for name in type(row).PRIMARY_KEY if name != "doc_id")
ROW_TYPE_BY_TABLE: dict[str, type[TableRow]] = {t.TABLE: t for t in ROW_TYPES}

_KIND_BY_TYPE = {"str": KIND_TEXT, "int": KIND_INTEGER, "Decimal": KIND_NUMBER, "float": KIND_NUMBER, "bool": KIND_BOOLEAN}


def _base_type_name(annotation: Any) -> str:
    """'int | None' -> 'int'."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    target = args[0] if args else annotation
    return target.__name__ if isinstance(target, type) else str(target)


@functools.cache
def columns_of(row_type: type[TableRow]) -> tuple[ColumnSpec, ...]:
    """The contract columns of a row type, in output order (read once per type)."""
    hints = typing.get_type_hints(row_type)
    specs = []
    for f in dataclasses.fields(row_type):
        py = _base_type_name(hints[f.name])
        kind = f.metadata.get("kind") or _KIND_BY_TYPE.get(py, KIND_TEXT)
        specs.append(
            ColumnSpec(
                name=f.name,
                python_type=py,
                kind=kind,
                description=f.metadata.get("description", ""),
                required=bool(f.metadata.get("required")),
                enum=f.metadata.get("enum"),
            )
        )
    return tuple(specs)
