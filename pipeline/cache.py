"""Incremental runs: processed ``DocumentResult``s kept on disk as data, keyed by what determines them.

Key (sha256 of a small JSON): the document's sha256, its label (``source_file``), the manifest
facts the extractors see (``InputFile.context``: title, issuer, area, fiscal_year) and
``code_fingerprint()``: ``PIPELINE_VERSION``, the Python version, the versions of the
libraries whose output matters (spaCy, GiNZA and its model, SudachiPy and its dictionary) and a
hash of every source and reference file of ``pipeline``, ``extractors`` and ``schemas`` as
installed. Editing any of them, or changing a manifest row, invalidates the entry.

Stored value: the envelope as the per-document stages left it (before the run-level
cross-document step, which runs again on every run), without the input bytes and the document
model, as JSON: a header line (format, key, sha256 of the body) and the body. Values are tagged
by type (``{"decimal": "1.50"}``, ``{"float": "0.5"}``, ``{"tuple": [...]}``) so every row comes
back exactly as it was; only the row types of ``schemas.tables``, ``Issue`` and the codes are
built on load, so an entry is data and can never run code. An entry that is damaged, written
for another key, of another format or for other bytes is a miss. Entries are written
atomically (temporary file + rename).

Location: ``--cache DIR``; by default ``.keikaku_cache/`` beside the output folder (for
``--out output`` that is ``./.keikaku_cache``). It is created private (``0700``; entries
``0600``); a folder that belongs to another user or that others may write is not used (a
warning says so). Like ``.pytest_cache``, it holds a ``.gitignore`` of ``*``. Nothing is ever
pruned: delete the folder to reclaim space (entries of earlier keikaku versions are ignored).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import stat
import sys
import tempfile
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from extractors.content.base import Extraction
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPE_BY_TABLE, TableRow

from .envelope import DocumentResult, InputFile

CACHE_DIR_NAME = ".keikaku_cache"  # like .pytest_cache / .ruff_cache
CACHE_FORMAT = 3  # 1: pickles (never read again); 2: before the provenance columns and quality row keys
ENTRY_SUFFIX = ".json"
MAX_ENTRY_BYTES = 256 * 1024 * 1024
_PACKAGES = ("pipeline", "extractors", "schemas")
_CODE_SUFFIXES = (".py", ".csv", ".json", ".md")
_LIBRARIES = ("spacy", "ginza", "ja-ginza", "sudachipy", "sudachidict-core", "pdfplumber", "pypdfium2")


class CacheEntryError(ValueError):
    """An entry that is not one this code wrote for this key: a miss."""


def default_cache_dir(out_dir: Path) -> Path:
    """``.keikaku_cache`` in the folder that holds ``out_dir``."""
    return Path(out_dir).absolute().parent / CACHE_DIR_NAME


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the pipeline version, library versions and every installed source file."""
    from . import PIPELINE_VERSION

    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}|{PIPELINE_VERSION}|{sys.version_info[:2]}".encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"|{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"|{name}=-".encode())
    root = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def input_to_key(source: InputFile, sha256: str, code: str | None = None, corrections: str = "") -> str:
    """The cache key of one input: content hash + manifest facts + code fingerprint, and the
    fingerprint of the reviewer's corrections of the document when it has any (the entry holds
    the corrected envelope: ``pipeline.corrections``)."""
    facts = {
        "sha256": sha256,
        "source_file": source.source_file,
        **dataclasses.asdict(source.context),
        "code": code if code is not None else code_fingerprint(),
    }
    if corrections:
        facts["corrections"] = corrections
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# --- values <-> JSON (tagged by type, so they come back exactly) ----------------------------------


def value_to_json(value: Any) -> Any:
    """None, bool, int and str as themselves; Decimal, float and tuple tagged; TypeError else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [value_to_json(v) for v in value]}
    raise TypeError(f"cannot store a {type(value).__name__} in the cache")


def json_to_value(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, dict) and len(data) == 1:
        (tag, inner), = data.items()
        if tag == "decimal" and isinstance(inner, str):
            return Decimal(inner)
        if tag == "float" and isinstance(inner, str):
            return float(inner)
        if tag == "tuple" and isinstance(inner, list):
            return tuple(json_to_value(v) for v in inner)
    raise CacheEntryError(f"not a stored value: {data!r:.80}")


def row_to_json(row: TableRow) -> dict[str, Any]:
    return {f.name: value_to_json(getattr(row, f.name)) for f in dataclasses.fields(row)}


def json_to_row(table: str, data: Any) -> TableRow:
    row_type = ROW_TYPE_BY_TABLE.get(table)
    names = {f.name for f in dataclasses.fields(row_type)} if row_type is not None else set()
    if row_type is None or not isinstance(data, dict) or set(data) != names:
        raise CacheEntryError(f"not a stored {table} row")
    return row_type(**{name: json_to_value(value) for name, value in data.items()})


_ISSUE_FIELDS = {"code", "severity", "message", "table", "location", "key", "table_id"}


def issue_to_json(issue: Issue) -> dict[str, Any]:
    return {
        "code": str(issue.code), "severity": str(issue.severity), "message": issue.message, "table": issue.table,
        "location": issue.location, "key": [[name, value_to_json(value)] for name, value in issue.key], "table_id": issue.table_id,
    }


def json_to_issue(data: Any) -> Issue:
    if not isinstance(data, dict) or set(data) != _ISSUE_FIELDS:
        raise CacheEntryError("not a stored issue")
    texts = [data["message"], data["table"], data["location"]]
    if not isinstance(texts[0], str) or not all(t is None or isinstance(t, str) for t in texts[1:]):
        raise CacheEntryError("not a stored issue")
    table_id, key = data["table_id"], data["key"]
    if table_id is not None and (not isinstance(table_id, int) or isinstance(table_id, bool)):
        raise CacheEntryError("not a stored issue")
    if not isinstance(key, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in key):
        raise CacheEntryError("not a stored issue")
    pairs = tuple((name, json_to_value(value)) for name, value in key)
    return Issue(Code(data["code"]), Severity(data["severity"]), data["message"], data["table"], data["location"], pairs, table_id)


def result_to_json(result: DocumentResult) -> dict[str, Any]:
    """What the cache keeps of an envelope (not the input, the document model or timings)."""
    extraction = result.extraction
    tables = {name: [row_to_json(r) for r in getattr(extraction, name)] for name in extraction.table_names()}
    return {
        "doc_id": result.doc_id,
        "sha256": result.sha256,
        "pages": result.pages,
        "encoding": result.encoding,
        "tables": tables,
        "extraction_issues": [issue_to_json(i) for i in extraction.issues],
        "issues": [issue_to_json(i) for i in result.issues],
        "failure": None if result.failure is None else issue_to_json(result.failure),
    }


def json_to_result(data: Any, source: InputFile) -> DocumentResult:
    """The envelope stored in ``data`` for ``source``; CacheEntryError (or ValueError, TypeError,
    KeyError) for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise CacheEntryError("not a stored result")
    names = set(Extraction.table_names())
    if set(data["tables"]) != names:
        raise CacheEntryError("not a stored extraction")
    extraction = Extraction(
        **{table: tuple(json_to_row(table, row) for row in rows) for table, rows in data["tables"].items()},
        issues=tuple(json_to_issue(i) for i in data["extraction_issues"]),
    )
    fields = {"doc_id": str, "sha256": str, "pages": (int, type(None)), "encoding": (str, type(None))}
    if any(not isinstance(data[name], kind) or isinstance(data[name], bool) for name, kind in fields.items()):
        raise CacheEntryError("not a stored result")
    return DocumentResult(
        source=source,
        doc_id=data["doc_id"],
        sha256=data["sha256"],
        pages=data["pages"],
        encoding=data["encoding"],
        extraction=extraction,
        issues=tuple(json_to_issue(i) for i in data["issues"]),
        failure=None if data["failure"] is None else json_to_issue(data["failure"]),
        from_cache=True,
    )


def entry_bytes(key: str, result: DocumentResult) -> bytes:
    """Header line (format, key, sha256 of the body) + body."""
    body = json.dumps(result_to_json(result), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    header = {"format": CACHE_FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(header, sort_keys=True).encode() + b"\n" + body


def bytes_to_entry(data: bytes, key: str) -> Any:
    """The body of an entry, checked: this format, this key, an intact body."""
    head, _, body = data.partition(b"\n")
    header = json.loads(head)
    if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT or header.get("key") != key:
        raise CacheEntryError("an entry of another format or key")
    if header.get("sha256") != hashlib.sha256(body).hexdigest():
        raise CacheEntryError("a damaged entry")
    return json.loads(body)


# --- the folder -----------------------------------------------------------------------------------


def private_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` must not be used as a cache (another user's, or writable by others)."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "may be written by other users"
    return None


def open_cache(folder: Path) -> tuple[ResultCache | None, str | None]:
    """The cache in ``folder`` (created 0700 if missing; made 0700 if ours), or None and why not."""
    folder = Path(folder).absolute()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        return None, f"cannot create the cache folder {folder}: {exc.strerror}; running without the cache"
    problem = private_folder_problem(folder)
    if problem is not None:
        return None, f"the cache folder {folder} {problem}; running without the cache"
    try:
        os.chmod(folder, 0o700)
    except OSError as exc:
        return None, f"cannot make the cache folder {folder} private: {exc.strerror}; running without the cache"
    return ResultCache(folder), None


class ResultCache:
    """JSON entries in ``folder/<key[:2]>/<key>.json`` (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_of(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{ENTRY_SUFFIX}"

    def get(self, key: str, source: InputFile, sha256: str) -> DocumentResult | None:
        """The stored envelope with ``source`` put back, marked ``from_cache``; None on a miss
        (no entry, or one that is damaged, foreign, too large or for other bytes)."""
        path = self.path_of(key)
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode) or os.lstat(path).st_size > MAX_ENTRY_BYTES:
                return None
            result = json_to_result(bytes_to_entry(path.read_bytes(), key), source)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError):  # CacheEntryError and JSONDecodeError are ValueErrors
            return None
        return result if result.sha256 == sha256 else None

    def put(self, key: str, result: DocumentResult) -> None:
        """Store ``result`` atomically. TypeError (a bug) when a row holds a value JSON cannot."""
        data = entry_bytes(key, result)
        path = self.path_of(key)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        if not (self.folder / ".gitignore").exists():
            (self.folder / ".gitignore").write_bytes(b"*\n")
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
