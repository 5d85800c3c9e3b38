"""Batch runs: executors give the same bytes, the incremental cache, progress, and SIGKILL safety."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from pipeline.cache import ResultCache, input_to_key
from pipeline.cli import main
from pipeline.envelope import DocumentResult, InputFile
from pipeline.ingest import ingest
from pipeline.output import duckdb_contents_equal
from pipeline.progress import BarProgress, print_progress, terminal_progress

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DUCKDB = "keikaku.duckdb"
RUN_FILE = "run.json"  # the one output file that differs from run to run (timings, cache hits)
# Tests that run the extractors need every one of them; extractors.content.participation is being written.
needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("extractors.content.participation") is None, reason="extractors.content.participation is not written yet"
)


def output_bytes(out: Path) -> dict[str, bytes]:
    """Every output file but run.json and keikaku.duckdb, by name."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name not in (RUN_FILE, DUCKDB)}


def assert_same_output(a: Path, b: Path, *, duckdb_bytes: bool = False) -> None:
    assert output_bytes(a) == output_bytes(b)
    if duckdb_bytes:
        assert (a / DUCKDB).read_bytes() == (b / DUCKDB).read_bytes()
    else:
        assert duckdb_contents_equal(a / DUCKDB, b / DUCKDB)


def run_facts(out: Path) -> dict:
    return json.loads((out / RUN_FILE).read_text(encoding="utf-8"))


def documents(out: Path) -> dict[str, dict[str, str]]:
    with (out / "documents.csv").open(encoding="utf-8", newline="") as handle:
        return {r["source_file"]: r for r in csv.DictReader(handle)}


def copy_seeds(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    return folder


# --- executors ---------------------------------------------------------------------------------


def small_result(name: str = "a.txt", status_failed: bool = False) -> DocumentResult:
    from schemas.quality import Code, Issue, Severity

    result = DocumentResult(source=InputFile(source_file=name, data=b"x", context=ExtractContext(area="area")), doc_id="0" * 16, sha256="0" * 64)
    return result.failed(Issue(Code.EMPTY_FILE, Severity.ERROR, "empty", table="documents")) if status_failed else result


@needs_pipeline
def test_finished_envelopes_pickle(seeds_output) -> None:
    result, _ = seeds_output
    for envelope in result.results:
        assert envelope.document is None
        assert pickle.loads(pickle.dumps(envelope)) == envelope


@needs_pipeline
def test_two_jobs_give_the_same_bytes_as_one(seeds_output, tmp_path: Path) -> None:
    _, serial_out = seeds_output
    result = ingest([SEEDS], tmp_path / "out", jobs=2)
    assert result.report.executor == "process x2"
    assert_same_output(serial_out, tmp_path / "out")


@needs_pipeline
def test_dask_local_cluster_gives_the_same_bytes_as_one_job(seeds_output, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _, serial_out = seeds_output
    result = ingest([SEEDS], tmp_path / "out", executor="dask", jobs=2)  # LocalCluster, 2 worker processes
    assert result.report.executor.startswith("dask LocalCluster")
    assert_same_output(serial_out, tmp_path / "out")


def test_custom_stages_with_jobs_is_a_usage_error(tmp_path: Path) -> None:
    from pipeline.inputs import UsageError

    with pytest.raises(UsageError, match="serially"):
        ingest([SEEDS], tmp_path / "out", jobs=2, stages=())
    assert not (tmp_path / "out").exists()


# --- incremental cache ---------------------------------------------------------------------------


@needs_pipeline
def test_unchanged_rerun_is_served_from_cache_with_identical_bytes(tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "in")
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["ingest", str(seeds), "--out", str(out), "--cache", str(cache), "--quiet"]) == 0
    first = tmp_path / "first"
    shutil.copytree(out, first)
    assert run_facts(out)["cache_hits"] == 0

    assert main(["ingest", str(seeds), "--out", str(out), "--cache", str(cache), "--quiet"]) == 0
    assert run_facts(out)["cache_hits"] == 5
    assert run_facts(out)["processed"] == 0
    assert_same_output(first, out, duckdb_bytes=True)  # the previous keikaku.duckdb is reused

    changed = sorted(seeds.glob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + "\n令和6年度 参考 123\n".encode())
    assert main(["ingest", str(seeds), "--out", str(out), "--cache", str(cache), "--quiet"]) == 0
    assert run_facts(out)["cache_hits"] == 4
    assert documents(out)[changed.name]["sha256"] != documents(first)[changed.name]["sha256"]


@needs_pipeline
def test_manifest_change_reprocesses_that_document(tmp_path: Path) -> None:
    seeds = copy_seeds(tmp_path / "in")
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["ingest", str(seeds), "--out", str(out), "--cache", str(cache), "--quiet"]) == 0
    manifest = seeds / "manifest.csv"
    with manifest.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["title"] = (rows[0]["title"] or "") + "（改訂版）"
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["ingest", str(seeds), "--out", str(out), "--cache", str(cache), "--quiet"]) == 0
    assert run_facts(out)["cache_hits"] == 4
    assert documents(out)[rows[0]["file"]]["title"].endswith("（改訂版）")


@needs_pipeline
def test_no_cache_processes_everything_and_writes_no_cache(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["ingest", str(SEEDS / "003_feeaa7bd0b434e1c.txt"), "--out", str(out), "--no-cache", "--quiet"]) == 0
    assert main(["ingest", str(SEEDS / "003_feeaa7bd0b434e1c.txt"), "--out", str(out), "--no-cache", "--quiet"]) == 0
    assert run_facts(out)["cache_hits"] == 0
    assert not (tmp_path / ".keikaku_cache").exists()


@needs_pipeline
def test_default_cache_is_beside_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["ingest", str(SEEDS / "003_feeaa7bd0b434e1c.txt"), "--out", str(out), "--quiet", "--format", "csv"]) == 0
    cache = tmp_path / ".keikaku_cache"
    assert list(cache.rglob("*.json")) and not list(cache.rglob("*.pickle"))
    assert cache.stat().st_mode & 0o777 == 0o700


def test_cache_key_follows_code_manifest_and_content() -> None:
    from dataclasses import replace

    source, sha = small_result().source, "f" * 64
    key = input_to_key(source, sha, code="a")
    assert key == input_to_key(source, sha, code="a")
    assert key != input_to_key(source, sha, code="b")
    assert key != input_to_key(replace(source, context=replace(source.context, area="other")), sha, code="a")
    assert key != input_to_key(replace(source, context=replace(source.context, title="other")), sha, code="a")
    assert key != input_to_key(source, "0" * 64, code="a")


def test_cache_round_trip_and_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    result = small_result(status_failed=True)
    cache = ResultCache(tmp_path)
    cache.put("ab" * 32, result)
    assert (tmp_path / ".gitignore").read_bytes() == b"*\n"
    hit = cache.get("ab" * 32, result.source, result.sha256)
    assert hit is not None and hit.from_cache and hit.source.data == b"x"
    assert hit.document_row() == result.document_row() and hit.quality_rows() == result.quality_rows()
    cache.path_of("ab" * 32).write_bytes(b"\x80\x05truncated")
    assert cache.get("ab" * 32, result.source, result.sha256) is None
    assert cache.get("cd" * 32, result.source, result.sha256) is None


# --- progress and command line -------------------------------------------------------------------


def test_progress_choice_and_bar(capsys: pytest.CaptureFixture[str]) -> None:
    assert terminal_progress(quiet=True) is None
    assert terminal_progress(quiet=False) is print_progress  # stderr is not a terminal under pytest
    results = [small_result("a.txt"), small_result("b.txt", status_failed=True)]
    bar = BarProgress()
    for index, envelope in enumerate(results, start=1):
        bar(index, len(results), envelope)
    bar.close()
    err = capsys.readouterr().err
    assert "2/2" in err and "failed: b.txt: [empty-file] empty" in err


def test_scheduler_without_dask_is_a_usage_error(tmp_path: Path) -> None:
    args = ["ingest", str(SEEDS), "--out", str(tmp_path / "out"), "--quiet", "--scheduler", "tcp://127.0.0.1:1"]
    assert main(args) == 1
    assert main(["ingest", str(SEEDS), "--out", str(tmp_path / "out"), "--quiet", "--no-cache", "--cache", "x"]) == 1
    with pytest.raises(SystemExit):  # argparse: --jobs must be at least 1
        main(["ingest", str(SEEDS), "--out", str(tmp_path / "out"), "--jobs", "0"])
    assert not (tmp_path / "out").exists()


def test_diff_subcommand_calls_diff_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []
    fake = types.ModuleType("pipeline.diff")
    fake.diff_command = lambda old, new, out: calls.append((old, new, out)) or 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pipeline.diff", fake)
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "d")]) == 3
    assert calls == [(tmp_path / "a", tmp_path / "b", tmp_path / "d")]


# --- SIGKILL at random points ---------------------------------------------------------------------


def start_ingest(inputs: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pipeline.cli", "ingest", str(inputs), "--out", str(out), "--quiet", *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


@needs_pipeline
def test_sigkill_at_random_points_keeps_previous_output(tmp_path: Path) -> None:
    inputs = copy_seeds(tmp_path / "in")
    (inputs / "empty.txt").write_bytes(b"")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = start_ingest(inputs, out, "--no-cache")
    assert first.wait(timeout=120) == 2, first.stderr.read().decode()  # type: ignore[union-attr]
    before = output_bytes(out)
    shutil.copy2(out / DUCKDB, tmp_path / "before.duckdb")
    # Delays spread over start-up, extraction, cache writes and the output swap (a run takes ~2-4 s).
    rng = random.Random(int(os.environ.get("KEIKAKU_KILL_SEED", "6")))
    plan = [(0.2, "--no-cache"), (1.0, "--cache"), (1.8, "--jobs"), (2.6, "--cache"), (3.4, "--no-cache")]
    interrupted = 0
    for base, flag in plan:
        extra = {"--cache": ("--cache", str(cache)), "--jobs": ("--no-cache", "--jobs", "2")}.get(flag, ("--no-cache",))
        run_before = (out / RUN_FILE).read_bytes()
        proc = start_ingest(inputs, out, *extra)
        time.sleep(base + rng.uniform(0, 0.6))
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its worker processes (own session)
        proc.wait(timeout=30)
        interrupted += (out / RUN_FILE).read_bytes() == run_before  # else the run had finished
        assert output_bytes(out) == before
        assert duckdb_contents_equal(out / DUCKDB, tmp_path / "before.duckdb")
    assert interrupted >= 1  # at least one kill landed before the swap
    final = start_ingest(inputs, out, "--cache", str(cache))
    assert final.wait(timeout=120) == 2, final.stderr.read().decode()  # type: ignore[union-attr]
    assert output_bytes(out) == before
    rows = documents(out)
    assert sorted(rows) == sorted(p.name for p in inputs.glob("*.txt"))
    assert all(r["status"] in ("ok", "partial", "failed") for r in rows.values())
    assert all(r["error_code"] for r in rows.values() if r["status"] == "failed")
    assert rows["empty.txt"]["error_code"] == "empty-file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".keikaku-") and not p.name.startswith(".keikaku-lock-")]


@needs_pipeline
def test_cached_results_still_get_cross_document_links(tmp_path: Path) -> None:
    """The run-level step runs on cached envelopes too: reference-mismatch issues come back."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = ingest([SEEDS], out, cache_dir=cache)
    second = ingest([SEEDS], out, cache_dir=cache)
    assert all(r.from_cache for r in second.results)
    assert first.report.issues_by_code == second.report.issues_by_code
    assert isinstance(second.results[0], DocumentResult)
