"""Batch ingest: inputs -> per-document envelopes -> validated tables -> output folder (atomic).

Per-document work runs on an executor (``pipeline.executors``: watched worker processes by
default, this process for custom stages, or Dask) and may be answered from the incremental cache
(``pipeline.cache``); results are put back in input order before the run-level cross-document
step, so the output does not depend on either.

Order of a run: take the output folder's lock (``pipeline.swap``) and restore an output a killed
run left aside, check that the folder may be replaced, find and read the inputs (a run with none
refuses to replace an existing output unless ``allow_empty``), process, write in one swap.

Determinism: an unchanged re-run writes every output file byte for byte the same except
``run.json`` (this run's timings and cache hits, see ``pipeline.report``). ``keikaku.duckdb``
is rebuilt every run but, when its tables, types and comments equal those of the previous
output, the previous file is put back in its place, so it too keeps its bytes.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.readers import bytes_to_identity
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPES, DocumentRow, QualityRow, TableRow

from .cache import ResultCache, input_to_key, open_cache
from .corrections import Corrections, apply_corrections, issues_to_lines, unmatched_documents
from .crossdoc import link_comment_references
from .envelope import DocumentResult, InputFile, issue_to_quality_row
from .executors import Executor, SerialExecutor, make_executor
from .inputs import UsageError, discover_inputs
from .isolation import LimitTooLow, StagesFactory
from .limits import DEFAULT_LIMITS, Limits
from .output import check_replaceable, is_keikaku_output, write_tables
from .report import RunReport, results_to_report
from .stages import Stage, default_stages, read_stage
from .swap import FolderBusy, folder_lock, recover

ALL_FORMATS = ("csv", "parquet", "duckdb")
RUN_FILE = "run.json"
Progress = Callable[[int, int, DocumentResult], None]
Notice = Callable[[str], None]
# Failures worth retrying next run (a bug, memory, a crash) or that depend on the limits given.
_NOT_CACHED = {Code.EXTRACTOR_FAILED, Code.TIME_LIMIT, Code.MEMORY_LIMIT, Code.STREAM_LIMIT, Code.WORKER_CRASHED}


@dataclass(frozen=True)
class IngestResult:
    results: tuple[DocumentResult, ...]
    tables: dict[str, list[TableRow]]
    report: RunReport


def warn(message: str) -> None:
    print(f"keikaku: warning: {message}", file=sys.stderr)


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
    limits: Limits = DEFAULT_LIMITS,
    allow_empty: bool = False,
    stages_factory: StagesFactory = default_stages,
    notice: Notice = warn,
    corrections: Corrections | None = None,
) -> IngestResult:
    """Process every input under ``paths`` and write all tables to ``out_dir`` in one atomic swap.

    Bad inputs become ``failed`` rows of ``documents`` with a code; they never stop the batch,
    nor does a document over ``limits`` or whose worker dies. ``jobs``/``executor``/``scheduler``
    choose where documents are processed (``pipeline.executors.make_executor``; custom
    ``stages`` run in this process, one by one; ``stages_factory`` builds the workers' stages);
    ``cache_dir`` turns on the incremental cache (``pipeline.cache``; not with custom stages or
    factory), None turns it off. UsageError (nothing written, nothing processed) when ``out_dir``
    cannot be replaced, another run holds it, or no input was found and ``out_dir`` holds an
    output (unless ``allow_empty``). ``notice`` receives warnings meant for the user.
    ``corrections`` (``pipeline.corrections``) are applied to each document's rows."""
    check_formats(formats)
    started = time.perf_counter()
    out_dir = Path(out_dir).absolute()
    with output_folder(out_dir, notice):
        discovery = discover_inputs(list(paths), manifest, max_bytes=limits.memory_bytes)
        if not discovery.inputs:
            refuse_empty(paths, out_dir, allow_empty, notice)
        for issue in discovery.issues:
            notice(f"[{issue.code}] {issue.message}")
        cache = None
        if cache_dir is not None and stages is None and stages_factory is default_stages:
            # The cache key knows the installed code, not stages given here: those runs bypass it.
            cache, why_not = open_cache(cache_dir)
            if why_not:
                notice(why_not)
        try:
            runner = make_executor(executor, jobs=jobs, scheduler=scheduler, stages=stages, factory=stages_factory, limits=limits)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        try:
            results = process_inputs(list(discovery.inputs), None, progress, executor=runner, cache=cache, notice=notice,
                                     corrections=corrections)
        except LimitTooLow as exc:
            raise UsageError(str(exc)) from None
        finally:
            runner.close()
        results = link_comment_references(results)
        run_issues = (*discovery.issues, *unmatched_documents(corrections or Corrections(), results))
        for line in issues_to_lines([*run_issues, *(i for r in results for i in r.issues)]):
            notice(line)
        tables = results_to_tables(results, run_issues)
        rows = {name: len(table_rows) for name, table_rows in tables.items()}
        report = results_to_report(results, rows, time.perf_counter() - started, executor=runner.name, quality=tables[QualityRow.TABLE])
        extra = {
            "report.json": report.to_json().encode(),
            "report.txt": report.to_text().encode(),
            RUN_FILE: report.run_json().encode(),
        }
        write_output(tables_to_frames(tables), out_dir, formats=formats, excel=excel, extra_files=extra)
    return IngestResult(results=tuple(results), tables=tables, report=report)


@contextlib.contextmanager
def output_folder(out_dir: Path, notice: Notice) -> Iterator[None]:
    """The output folder's lock for the whole run, then the recovery of a swap a killed run left
    half done and the checks on the folder: all before any document is read."""
    with contextlib.ExitStack() as stack:
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(folder_lock(out_dir))
        except FolderBusy as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            where = exc.filename or out_dir.parent
            raise UsageError(f"cannot write the output folder {out_dir}: {exc.strerror or exc} ({where})") from None
        restored = recover(out_dir)
        if restored:
            notice(restored)
        try:
            check_replaceable(out_dir)
        except FileExistsError as exc:
            raise UsageError(str(exc)) from None
        yield


def refuse_empty(paths: Sequence[Path], out_dir: Path, allow_empty: bool, notice: Notice) -> None:
    """No input documents: an existing output is kept unless ``allow_empty`` says to empty it."""
    where = ", ".join(str(p) for p in paths)
    if is_keikaku_output(out_dir) and not allow_empty:
        raise UsageError(
            f"no input documents (.pdf/.txt) found in {where}; the output in {out_dir} was left as it is "
            "(give --allow-empty to replace it with empty tables)"
        )
    notice(f"no input documents (.pdf/.txt) found in {where}; writing empty tables")


def check_formats(formats: Sequence[str]) -> None:
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
    notice: Notice = warn,
    corrections: Corrections | None = None,
) -> list[DocumentResult]:
    """One envelope per input, in input order: unread files, duplicates and cache hits are
    answered here, the rest is mapped over ``executor`` (default: serially with ``stages``),
    corrected (``corrections``) and stored in ``cache`` (a document's corrections are part of
    its key)."""
    fixes = corrections or Corrections()
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
        fresh = DocumentResult(source=source, doc_id=identity.doc_id, sha256=identity.sha256)
        if source.read_failure is not None:
            finish(index, apply_corrections(read_stage(fresh), fixes))  # never read: nothing for a worker to do
            continue
        if identity.doc_id in seen:
            # The same bytes twice would give two rows with one doc_id: keep the first.
            issue = Issue(Code.DUPLICATE_INPUT, Severity.ERROR, f"same content as {seen[identity.doc_id]}; processed once", table="documents")
            finish(index, apply_corrections(fresh.failed(issue), fixes))
            continue
        seen[identity.doc_id] = source.source_file
        if cache is not None:
            keys[index] = input_to_key(source, identity.sha256, corrections=fixes.fingerprint(identity.doc_id, identity.sha256))
            hit = cache.get(keys[index], source, identity.sha256)
            if hit is not None:
                finish(index, hit)
                continue
        todo.append(index)
    for position, result in runner.run([inputs[i] for i in todo]):
        index = todo[position]
        result = apply_corrections(result, fixes)
        if cache is not None and index in keys and is_cacheable(result):
            store(cache, keys[index], result, notice)
        finish(index, result)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def is_cacheable(result: DocumentResult) -> bool:
    """Everything but a crashed extractor (a bug, or memory running out: worth retrying) and a
    document stopped by a limit or a dying worker (the limits may differ next run)."""
    issues = (*result.issues, *((result.failure,) if result.failure else ()))
    return not any(i.code in _NOT_CACHED for i in issues)


def store(cache: ResultCache, key: str, result: DocumentResult, notice: Notice = warn) -> None:
    try:
        cache.put(key, result)
    except OSError as exc:  # a full or read-only cache folder costs speed next time, nothing else
        notice(f"cannot write the cache {cache.folder}: {exc.strerror or exc}")


def results_to_tables(results: list[DocumentResult], run_issues: Sequence[Issue] = ()) -> dict[str, list[TableRow]]:
    """Concatenate every document's rows per table, in input order; documents and quality too
    (run-level issues, such as manifest rows, last)."""
    tables: dict[str, list[TableRow]] = {t.TABLE: [] for t in ROW_TYPES}
    for result in results:
        tables[DocumentRow.TABLE].append(result.document_row())
        for name in result.extraction.table_names():
            tables[name].extend(getattr(result.extraction, name))
    quality = [q for r in results for q in r.quality_rows()]
    tables[QualityRow.TABLE] = quality + [issue_to_quality_row(None, issue) for issue in run_issues]
    return tables


def tables_to_frames(tables: dict[str, list[TableRow]]) -> dict[str, object]:
    from schemas.frame import rows_to_frame
    from schemas.tables import ROW_TYPE_BY_TABLE

    return {name: rows_to_frame(ROW_TYPE_BY_TABLE[name], rows) for name, rows in tables.items()}


def write_output(
    frames: dict[str, Any], out_dir: Path, *, formats: Sequence[str], excel: bool, extra_files: dict[str, bytes]
) -> None:
    """``pipeline.output.write_tables``, keeping the previous ``keikaku.duckdb`` when the new one
    holds the same tables, types, comments and rows (DuckDB files are not byte-reproducible)."""
    write_tables(frames, out_dir, formats=formats, excel=excel, extra_files=extra_files, reuse_duckdb=True)  # type: ignore[arg-type]


def duckdb_contents_equal(a: Path, b: Path) -> bool:
    """``pipeline.output.duckdb_contents_equal`` (kept here for callers of earlier versions)."""
    from .output import duckdb_contents_equal as equal

    return equal(a, b)


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
