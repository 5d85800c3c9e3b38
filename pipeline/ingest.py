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

from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPES, DocumentRow, QualityRow, TableRow

from .cache import ResultCache, input_to_key, open_cache
from .corrections import Corrections, apply_corrections, issues_to_lines, unmatched_documents
from .crossdoc import link_comment_references
from .envelope import DocumentResult, InputFile, issue_to_quality_row
from .executors import Executor, SerialExecutor, make_executor
from .inputs import Discovery, UsageError, discover_inputs
from .isolation import LimitTooLow, StagesFactory
from .limits import DEFAULT_LIMITS, Limits
from .output import FORMATS, RUN_FILE, check_replaceable, is_keikaku_output, write_tables
from .report import RunReport, results_to_report
from .stages import Stage, default_stages, read_stage
from .swap import FolderBusy, folder_lock, recover

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
    formats: Sequence[str] = FORMATS,
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
        discovery = discover(paths, manifest, limits, out_dir, allow_empty, notice)
        # The cache key knows the installed code, not stages given here: those runs bypass it.
        custom = stages is not None or stages_factory is not default_stages
        cache = None if cache_dir is None or custom else open_run_cache(cache_dir, notice)
        with running(executor, jobs, scheduler, stages, stages_factory, limits) as runner:
            results = process_inputs(list(discovery.inputs), None, progress, executor=runner, cache=cache, notice=notice, corrections=corrections)
        results = link_comment_references(results)
        run_issues = (*discovery.issues, *unmatched_documents(corrections or Corrections(), results))
        for line in issues_to_lines([*run_issues, *(i for r in results for i in r.issues)]):
            notice(line)
        tables = results_to_tables(results, run_issues)
        rows = {name: len(table_rows) for name, table_rows in tables.items()}
        report = results_to_report(results, rows, time.perf_counter() - started, executor=runner.name, quality=tables[QualityRow.TABLE])
        write_tables(tables_to_frames(tables), out_dir, formats=formats, excel=excel, extra_files=report_files(report), reuse_duckdb=True)
    return IngestResult(results=tuple(results), tables=tables, report=report)


def discover(paths: Sequence[Path], manifest: Path | None, limits: Limits, out_dir: Path, allow_empty: bool, notice: Notice) -> Discovery:
    """The inputs and their manifest facts; the manifest's problems told to the user."""
    discovery = discover_inputs(list(paths), manifest, max_bytes=limits.memory_bytes)
    if not discovery.inputs:
        refuse_empty(paths, out_dir, allow_empty, notice)
    for issue in discovery.issues:
        notice(f"[{issue.code}] {issue.message}")
    return discovery


def open_run_cache(cache_dir: Path, notice: Notice) -> ResultCache | None:
    cache, why_not = open_cache(cache_dir)
    if why_not:
        notice(why_not)
    return cache


@contextlib.contextmanager
def running(
    executor: str, jobs: int, scheduler: str | None, stages: Sequence[Stage] | None, factory: StagesFactory, limits: Limits
) -> Iterator[Executor]:
    """The executor for this run, closed when the documents are done; a wrong choice or a
    limit too low for a worker is a UsageError."""
    try:
        runner = make_executor(executor, jobs=jobs, scheduler=scheduler, stages=stages, factory=factory, limits=limits)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        yield runner
    except LimitTooLow as exc:
        raise UsageError(str(exc)) from None
    finally:
        runner.close()


def report_files(report: RunReport) -> dict[str, bytes]:
    """The run's report as files of the output folder."""
    return {"report.json": report.to_json().encode(), "report.txt": report.to_text().encode(), RUN_FILE: report.run_json().encode()}


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
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown output format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")


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
        fresh = DocumentResult.of(source)
        if source.read_failure is not None:
            finish(index, apply_corrections(read_stage(fresh), fixes))  # never read: nothing for a worker to do
            continue
        if fresh.doc_id in seen:
            # The same bytes twice would give two rows with one doc_id: keep the first.
            issue = Issue(Code.DUPLICATE_INPUT, Severity.ERROR, f"same content as {seen[fresh.doc_id]}; processed once", table="documents")
            finish(index, apply_corrections(fresh.failed(issue), fixes))
            continue
        seen[fresh.doc_id] = source.source_file
        if cache is not None:
            keys[index] = input_to_key(source, fresh.sha256, corrections=fixes.fingerprint(fresh.doc_id, fresh.sha256))
            hit = cache.get(keys[index], source, fresh.sha256)
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
