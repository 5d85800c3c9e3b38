"""``datapackage.json`` (Frictionless Data Package) and the ``keikaku schema`` listing.

Both are derived from ``schemas.tables`` and are deterministic (no timestamps), so identical
runs give identical bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from schemas.quality import Code
from schemas.tables import (
    KIND_BOOLEAN,
    KIND_CONFIDENCE,
    KIND_INTEGER,
    KIND_NUMBER,
    ROW_TYPE_BY_TABLE,
    TABLE_NAMES,
    ColumnSpec,
    columns_of,
)
from schemas.validation import PATTERN_BY_KIND

CONTRACT_VERSION = 1
PACKAGE_NAME = "keikaku-output"
FORMATS = ("csv", "parquet", "duckdb")
DUCKDB_FILE = "keikaku.duckdb"

_FIELD_TYPE_BY_KIND = {
    KIND_INTEGER: "integer",
    KIND_NUMBER: "number",
    KIND_CONFIDENCE: "number",
    KIND_BOOLEAN: "boolean",
}
# Kinds whose text grammar is stated as a pattern (numbers and booleans are typed instead).
_PATTERN_KINDS = ("doc_id", "sha256", "municipality_code", "period")


def field_type(spec: ColumnSpec) -> str:
    """Frictionless field type of a contract column: string, integer, number or boolean."""
    return _FIELD_TYPE_BY_KIND.get(spec.kind, "string")


def field_descriptor(spec: ColumnSpec) -> dict[str, Any]:
    """One Table Schema field: name, type, description, constraints."""
    field: dict[str, Any] = {
        "name": spec.name,
        "type": field_type(spec),
        "description": spec.description,
    }
    if field["type"] == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    constraints: dict[str, Any] = {"required": spec.required}
    if spec.enum:
        constraints["enum"] = list(spec.enum)
    if spec.kind in _PATTERN_KINDS:
        constraints["pattern"] = PATTERN_BY_KIND[spec.kind]
    if spec.kind == KIND_CONFIDENCE:
        constraints.update(minimum=0, maximum=1)
    field["constraints"] = constraints
    return field


def resource_descriptor(table: str, formats: Sequence[str] = ("csv",)) -> dict[str, Any]:
    """One tabular resource: ``<table>.csv`` with its Table Schema and primary key."""
    row_type = ROW_TYPE_BY_TABLE[table]
    schema: dict[str, Any] = {
        "fields": [field_descriptor(spec) for spec in columns_of(row_type)],
        "missingValues": [""],
    }
    if row_type.PRIMARY_KEY:
        schema["primaryKey"] = list(row_type.PRIMARY_KEY)
    resource: dict[str, Any] = {
        "name": table,
        "path": f"{table}.csv",
        "profile": "tabular-data-resource",
        "description": row_type.DESCRIPTION,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }
    copies = _other_copies(table, formats)
    if copies:
        resource["keikaku"] = {"copies": copies}
    return resource


def _other_copies(table: str, formats: Sequence[str]) -> dict[str, str]:
    """Where the same table is in the other formats written (not part of the Frictionless spec)."""
    copies = {}
    if "parquet" in formats:
        copies["parquet"] = f"{table}.parquet"
    if "duckdb" in formats:
        copies["duckdb"] = f"{DUCKDB_FILE} (table {table})"
    return copies


def datapackage_descriptor(
    tables: list[str] | None = None, *, formats: Sequence[str] = ("csv",), files: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Frictionless Tabular Data Package describing ``tables`` (default: every contract table).

    ``formats`` lists what else was written beside the CSV files; each resource then names its
    Parquet/DuckDB copies under the custom ``keikaku`` property. ``files`` (name ->
    ``sha256:<hex>``) records the bytes of the files written beside it, so ``keikaku validate``
    notices any later change (``keikaku.duckdb`` is checked by its contents instead: DuckDB's
    bytes are not reproducible).
    """
    names = list(TABLE_NAMES) if tables is None else list(tables)
    unknown = [t for t in names if t not in ROW_TYPE_BY_TABLE]
    if unknown:
        raise ValueError(f"unknown tables {unknown}; contract tables: {', '.join(TABLE_NAMES)}")
    keikaku: dict[str, Any] = {"contract_version": CONTRACT_VERSION, "formats": list(formats)}
    if files is not None:
        keikaku["files"] = dict(sorted(files.items()))
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "keikaku: datasets extracted from Japanese municipal planning documents",
        "keikaku": keikaku,
        "resources": [resource_descriptor(table, formats) for table in names],
    }


def datapackage_bytes(
    tables: list[str] | None = None, *, formats: Sequence[str] = ("csv",), files: Mapping[str, str] | None = None
) -> bytes:
    """``datapackage.json`` as written: UTF-8, 2-space indent, fixed key order, final newline."""
    descriptor = datapackage_descriptor(tables, formats=formats, files=files)
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def schema_text() -> str:
    """The human-readable contract printed by ``keikaku schema``."""
    lines = [f"keikaku output contract v{CONTRACT_VERSION}", ""]
    for table in TABLE_NAMES:
        lines.extend(_table_text(table))
    lines.append("Problem codes (quality.code, documents.error_code):")
    lines.extend(f"  {code.value}" for code in Code)
    return "\n".join(lines) + "\n"


def _table_text(table: str) -> list[str]:
    row_type = ROW_TYPE_BY_TABLE[table]
    key = ", ".join(row_type.PRIMARY_KEY) or "(none)"
    lines = [f"{table}.csv - {row_type.DESCRIPTION}", f"  primary key: {key}"]
    for spec in columns_of(row_type):
        required = "required" if spec.required else "optional"
        lines.append(f"  {spec.name}  {_type_label(spec)}, {required}")
        lines.append(f"      {spec.description}")
        if spec.enum:
            lines.append(f"      allowed: {', '.join(spec.enum)}")
    lines.append("")
    return lines


def _type_label(spec: ColumnSpec) -> str:
    base = field_type(spec)
    if spec.kind in _PATTERN_KINDS or spec.kind == KIND_CONFIDENCE:
        return f"{base} ({spec.kind})"
    return base
