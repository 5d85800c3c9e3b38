"""Batch ingest: inputs -> per-document envelopes -> validated tables -> output folder (atomic).

Per-document work runs on an executor (``pipeline.executors``: serial, process pool or Dask)
and may be answered from the incremental cache (``pipeline.cache``); results are put back in
input order before the run-level cross-document step, so the output does not depend on either.

Determinism: an unchanged re-run writes every output file byte for byte the same except
``run.json`` (this run's timings and cache hits, see ``pipeline.report``). ``keikaku.duckdb``
is rebuilt every run but, when its tables, types and comments equal those of the previous
output, the previous file is put back in its place, so it too keeps its bytes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.readers import bytes_to_identity
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPES, DocumentRow, QualityRow, TableRow

from .cache import ResultCache, input_to_key
from .crossdoc import link_comment_references
from .envelope import DocumentResult, InputFile
from .executors import Executor, SerialExecutor, make_executor
from .inputs import discover_inputs
from .report import RunReport, results_to_report
from .stages import Stage

ALL_FORMATS = ("csv", "parquet", "duckdb")
RUN_FILE = "run.json"
PREV_PREFIX = ".keikaku-prev-"
Progress = Callable[[int, int, DocumentResult], None]


@dataclass(frozen=True)
class IngestResult:
    results: tuple[DocumentResult, ...]
    tables: dict[str, list[TableRow]]
    report: RunReport


def ingest(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    formats: Sequence[str] = ALL_FORMATS,
    excel: bool = False,
    manifest: Path | None = None,
    progress: Progress | None = None,
    stages: Sequence[Stage] | None = None,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    cache_dir: Path | None = None,
) -> IngestResult:
    """Process every input under ``paths`` and write all tables to ``out_dir`` in one atomic swap.

    Bad inputs become ``failed`` rows of ``documents`` with a code; they never stop the batch.
    ``jobs``/``executor``/``scheduler`` choose where documents are processed
    (``pipeline.executors.make_executor``; custom ``stages`` run serially only);
    ``cache_dir`` turns on the incremental cache (``pipeline.cache``; not with custom ``stages``),
    None turns it off."""
    check_formats(formats)
    started = time.perf_counter()
    inputs = discover_inputs(list(paths), manifest)
    # The cache key knows the installed code, not stages given here: those runs bypass the cache.
    cache = ResultCache(cache_dir) if cache_dir is not None and stages is None else None
    try:
        runner = make_executor(executor, jobs=jobs, scheduler=scheduler, stages=stages)
    except ValueError as exc:
        from .inputs import UsageError

        raise UsageError(str(exc)) from None
    try:
        results = process_inputs(inputs, None, progress, executor=runner, cache=cache)
    finally:
        runner.close()
    results = link_comment_references(results)
    tables = results_to_tables(results)
    rows = {name: len(table_rows) for name, table_rows in tables.items()}
    report = results_to_report(results, rows, time.perf_counter() - started, executor=runner.name)
    extra = {
        "report.json": report.to_json().encode(),
        "report.txt": report.to_text().encode(),
        RUN_FILE: report.run_json().encode(),
    }
    write_output(tables_to_frames(tables), out_dir, formats=formats, excel=excel, extra_files=extra)
    return IngestResult(results=tuple(results), tables=tables, report=report)


def check_formats(formats: Sequence[str]) -> None:
    from .inputs import UsageError

    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown output format {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_FORMATS)}")


def process_inputs(
    inputs: list[InputFile],
    stages: Sequence[Stage] | None,
    progress: Progress | None,
    *,
    executor: Executor | None = None,
    cache: ResultCache | None = None,
) -> list[DocumentResult]:
    """One envelope per input, in input order: duplicates and cache hits are answered here, the
    rest is mapped over ``executor`` (default: serially with ``stages``) and stored in ``cache``."""
    runner = executor if executor is not None else SerialExecutor(stages)
    results: list[DocumentResult | None] = [None] * len(inputs)
    keys: dict[int, str] = {}
    todo: list[int] = []
    seen: dict[str, str] = {}
    done = 0

    def finish(index: int, result: DocumentResult) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if progress is not None:
            progress(done, len(inputs), result)

    for index, source in enumerate(inputs):
        identity = bytes_to_identity(source.data)
        if identity.doc_id in seen and source.read_error is None:
            # The same bytes twice would give two rows with one doc_id: keep the first.
            duplicate = DocumentResult(source=source, doc_id=identity.doc_id, sha256=identity.sha256).failed(
                Issue(Code.DUPLICATE_INPUT, Severity.ERROR, f"same content as {seen[identity.doc_id]}; processed once", table="documents")
            )
            finish(index, duplicate)
            continue
        seen.setdefault(identity.doc_id, source.source_file)
        if cache is not None and source.read_error is None:
            keys[index] = input_to_key(source, identity.sha256)
            hit = cache.get(keys[index], source)
            if hit is not None:
                finish(index, hit)
                continue
        todo.append(index)
    for position, result in runner.run([inputs[i] for i in todo]):
        index = todo[position]
        if cache is not None and index in keys and is_cacheable(result):
            store(cache, keys[index], result)
        finish(index, result)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def is_cacheable(result: DocumentResult) -> bool:
    """Everything but a crashed extractor (a bug, or memory running out: worth retrying)."""
    return not any(i.code is Code.EXTRACTOR_FAILED for i in result.issues)


def store(cache: ResultCache, key: str, result: DocumentResult) -> None:
    try:
        cache.put(key, result)
    except OSError as exc:  # a full or read-only cache folder costs speed next time, nothing else
        print(f"keikaku: warning: cannot write the cache {cache.folder}: {exc.strerror or exc}", file=sys.stderr)


def results_to_tables(results: list[DocumentResult]) -> dict[str, list[TableRow]]:
    """Concatenate every document's rows per table, in input order; documents and quality too."""
    tables: dict[str, list[TableRow]] = {t.TABLE: [] for t in ROW_TYPES}
    for result in results:
        tables[DocumentRow.TABLE].append(result.document_row())
        for name in result.extraction.table_names():
            tables[name].extend(getattr(result.extraction, name))
    tables[QualityRow.TABLE] = [q for r in results for q in r.quality_rows()]
    return tables


def tables_to_frames(tables: dict[str, list[TableRow]]) -> dict[str, object]:
    from schemas.frame import rows_to_frame
    from schemas.tables import ROW_TYPE_BY_TABLE

    return {name: rows_to_frame(ROW_TYPE_BY_TABLE[name], rows) for name, rows in tables.items()}


# --- writing, keeping an unchanged keikaku.duckdb ---------------------------------------------


def write_output(
    frames: dict[str, Any], out_dir: Path, *, formats: Sequence[str], excel: bool, extra_files: dict[str, bytes]
) -> None:
    """``pipeline.output.write_tables``, then the previous ``keikaku.duckdb`` put back when the new
    one holds the same tables, types, comments and rows (DuckDB files are not byte-reproducible).

    The previous file is kept by a hard link (a copy where links are not possible) beside the
    output folder; the output folder is complete and consistent at every moment."""
    from pipeline.output import write_tables
    from schemas.datapackage import DUCKDB_FILE

    out_dir = Path(out_dir).absolute()
    clean_stale_previous(out_dir)
    previous = keep_previous(out_dir / DUCKDB_FILE, out_dir) if "duckdb" in formats else None
    try:
        write_tables(frames, out_dir, formats=formats, excel=excel, extra_files=extra_files)  # type: ignore[arg-type]
        if previous is not None and duckdb_contents_equal(previous, out_dir / DUCKDB_FILE):
            os.replace(previous, out_dir / DUCKDB_FILE)
    finally:
        if previous is not None:
            previous.unlink(missing_ok=True)


def keep_previous(path: Path, out_dir: Path) -> Path | None:
    if not path.is_file():
        return None
    kept = out_dir.parent / f"{PREV_PREFIX}{out_dir.name}-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.link(path, kept)
    except OSError:
        try:
            shutil.copy2(path, kept)
        except OSError:
            return None
    return kept


def clean_stale_previous(out_dir: Path) -> None:
    """Remove ``.keikaku-prev-<name>-<pid>-*`` files left by a killed run."""
    if not out_dir.parent.is_dir():
        return
    head = f"{PREV_PREFIX}{out_dir.name}-"
    for path in out_dir.parent.glob(f"{head}*"):
        pid = path.name[len(head) :].split("-", 1)[0]
        if path.is_file() and not path.is_symlink() and not (pid.isdigit() and pid_alive(int(pid))):
            path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:
        return True
    return True


def duckdb_contents(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    """(tables with comments, columns with types and comments, Arrow table per table) of a file."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_index, column_name, data_type, is_nullable, comment "
            "FROM duckdb_columns() ORDER BY 1, 2, 3"
        ).fetchall()
        data = {}
        for schema, table, _ in tables:
            relation = con.sql(f'SELECT * FROM "{schema}"."{table}"')
            fetch = getattr(relation, "to_arrow_table", None) or relation.arrow  # duckdb >= 1.4 / older
            data[f"{schema}.{table}"] = fetch()
        return tables, columns, data
    finally:
        con.close()


def duckdb_contents_equal(a: Path, b: Path) -> bool:
    """True when both DuckDB files hold the same tables, columns, comments and rows in order."""
    try:
        tables_a, columns_a, data_a = duckdb_contents(a)
        tables_b, columns_b, data_b = duckdb_contents(b)
    except Exception:  # noqa: BLE001 - an unreadable previous file is simply not reused
        return False
    if tables_a != tables_b or columns_a != columns_b or data_a.keys() != data_b.keys():
        return False
    return all(data_a[name].equals(data_b[name]) for name in data_a)


# --- progress -----------------------------------------------------------------------------------


def print_progress(index: int, total: int, result: DocumentResult) -> None:
    """Plain progress lines on stderr: one per document with its status."""
    seconds = sum(t for _, t in result.timings)
    rows = result.extraction.row_count()
    detail = f"[{result.failure.code}] {result.failure.message}" if result.failure else f"{rows} rows"
    timing = "cached" if result.from_cache else f"{seconds:.2f} s"
    print(f"[{index}/{total}] {result.status:<7} {result.source.source_file}  ({timing}) {detail}", file=sys.stderr)


class BarProgress:
    """A tqdm bar on stderr: documents done, counts by status and cache hits, the last document;
    a failed document also gets its own line above the bar. ``close()`` when the run ends."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._counts: dict[str, int] = {}

    def __call__(self, index: int, total: int, result: DocumentResult) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)
        key = "cached" if result.from_cache else result.status
        self._counts[key] = self._counts.get(key, 0) + 1
        if result.failure is not None:
            self._bar.write(f"failed: {result.source.source_file}: [{result.failure.code}] {result.failure.message}", file=sys.stderr)
        counts = " ".join(f"{k}={n}" for k, n in sorted(self._counts.items()))
        self._bar.set_postfix_str(f"{counts} | {result.status} {result.source.source_file}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def terminal_progress(quiet: bool) -> Progress | None:
    """None when ``quiet``; a tqdm bar when stderr is a terminal; plain lines otherwise."""
    if quiet:
        return None
    return BarProgress() if sys.stderr.isatty() else print_progress
