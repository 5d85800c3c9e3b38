"""Hostile and unlucky inputs (issue 15): each case ends with its documented status and code, no
traceback, and the previous output intact byte for byte.

Bombs, special files, deep folders, manifests and misbehaving workers are generated here
(``tests.hostile_inputs``); workers misbehave through the ``hook_stages`` test hook, or are
killed for real with SIGKILL. Limits are set low so every case takes a fraction of a second to a
few seconds; how long the real defaults take is measured by ``benchmarks.bench_hostile``.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import swap
from pipeline.cache import input_to_key, open_cache
from pipeline.cli import main
from pipeline.envelope import DocumentResult, InputFile
from pipeline.ingest import ingest
from pipeline.inputs import UsageError, discover_inputs, fiscal_year_to_period
from pipeline.limits import MB, Limits
from pipeline.output import write_tables
from pipeline.stages import default_stages
from schemas.quality import Code, Issue, Severity
from schemas.tables import IndicatorRow, MetricRow

from .hostile_inputs import hook_stages, pdf_bomb, pdf_with_streams, text_pdf

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "003_feeaa7bd0b434e1c.txt"  # a participation matrix: processed in about 0.5 s
LIGHT = Limits(seconds=20, memory_bytes=1024 * MB, stream_bytes=1 * MB)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def statuses(out: Path) -> dict[str, tuple[str, str]]:
    return {r["source_file"]: (r["status"], r["error_code"]) for r in read_rows(out / "documents.csv")}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def folder_with(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


def hooked(folder: Path, out: Path, **kwargs) -> dict[str, tuple[str, str]]:
    result = ingest([folder], out, formats=("csv",), stages_factory=hook_stages, **kwargs)
    assert result.report.exit_code == (2 if any(r.failure for r in result.results) else 0)
    return statuses(out)


# --- bounded work per document ----------------------------------------------------------------------


def test_a_pdf_bomb_is_failed_by_the_stream_limit_and_the_batch_goes_on(tmp_path: Path, capsys) -> None:
    folder = folder_with(tmp_path, {"bomb.pdf": pdf_bomb(8 * MB), "plan.txt": SEED.read_bytes()})
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet", "--format", "csv", "--no-cache", "--stream-limit", "1"]) == 2
    assert statuses(out) == {"bomb.pdf": ("failed", "stream-limit"), "plan.txt": ("ok", "")}
    assert read_rows(out / "participation.csv")  # the other document's rows are written
    assert "Traceback" not in capsys.readouterr().err


def test_the_stream_limit_does_not_change_sound_pdfs() -> None:
    from extractors.readers import read_document
    from extractors.readers.pdf import stream_limit

    fixture = next((ROOT / "tests" / "fixtures").glob("*.pdf")).read_bytes()
    for data in (text_pdf("Plan 2024"), fixture):
        free = read_document(data, "a.pdf")
        with stream_limit(8 * MB):
            capped = read_document(data, "a.pdf")
        assert capped == free and not hasattr(capped, "code")


@pytest.mark.parametrize(
    "entries, raw",
    [
        (b"/Filter /FlateDecode", zlib.compress(bytes(3 * MB))[:-8]),  # damaged: pdfminer's byte-by-byte path
        (b"/Filter /ASCIIHexDecode", b"41" * (2 * MB) + b">"),  # checked after decoding
        (b"/Filter [/ASCIIHexDecode /FlateDecode]", zlib.compress(bytes(3 * MB)).hex().encode() + b">"),
    ],
)
def test_every_decoding_path_is_capped(entries: bytes, raw: bytes) -> None:
    from extractors.readers import read_document
    from extractors.readers.pdf import stream_limit

    with stream_limit(1 * MB):
        failure = read_document(pdf_with_streams([(entries, raw)]), "x.pdf")
    assert getattr(failure, "code", None) is Code.STREAM_LIMIT


def test_time_memory_and_crashes_cost_one_document_each(tmp_path: Path) -> None:
    names = ["a.txt", "die.txt", "hog.txt", "segv.txt", "slow.txt", "z.txt"]
    folder = folder_with(tmp_path, {name: f"document {name}\n" for name in names})
    rows = hooked(folder, tmp_path / "out", limits=Limits(seconds=1.5, memory_bytes=400 * MB))
    assert rows == {
        "a.txt": ("ok", ""),
        "die.txt": ("failed", "worker-crashed"),
        "hog.txt": ("failed", "memory-limit"),
        "segv.txt": ("failed", "worker-crashed"),
        "slow.txt": ("failed", "time-limit"),
        "z.txt": ("ok", ""),
    }
    messages = {r["source_file"]: r["error_message"] for r in read_rows(tmp_path / "out" / "documents.csv")}
    assert "SIGKILL" in messages["die.txt"] and "SIGSEGV" in messages["segv.txt"]
    assert "400 MB" in messages["hog.txt"] and "1.5 s" in messages["slow.txt"]


def test_two_jobs_with_a_dying_worker_lose_only_its_document(tmp_path: Path) -> None:
    files = {f"ok{i}.txt": f"document {i}\n" for i in range(5)} | {"die.txt": "x\n", "segv.txt": "y\n"}
    rows = hooked(folder_with(tmp_path, files), tmp_path / "out", jobs=2, limits=LIGHT)
    assert rows == {name: ("failed", "worker-crashed") if name in ("die.txt", "segv.txt") else ("ok", "") for name in sorted(files)}


def test_a_real_kill_9_of_the_worker_costs_its_document(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    folder = folder_with(tmp_path, {"a.txt": "a\n", "wait.txt": f"{pid_file}\n", "z.txt": "z\n"})

    def kill_when_ready() -> None:
        while not pid_file.exists() or not pid_file.read_text():
            time.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_when_ready, daemon=True)
    killer.start()
    rows = hooked(folder, tmp_path / "out", limits=LIGHT)
    killer.join(timeout=5)
    assert rows == {"a.txt": ("ok", ""), "wait.txt": ("failed", "worker-crashed"), "z.txt": ("ok", "")}


def test_a_lost_dask_worker_costs_its_document(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    files = {"a.txt": "a\n", "b.txt": "b\n", "die.txt": "x\n", "c.txt": "c\n"}
    rows = hooked(folder_with(tmp_path, files), tmp_path / "out", executor="dask", jobs=2, limits=LIGHT)
    assert rows == {"a.txt": ("ok", ""), "b.txt": ("ok", ""), "c.txt": ("ok", ""), "die.txt": ("failed", "worker-crashed")}


def test_a_memory_limit_below_what_a_worker_needs_is_a_usage_error(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"a.txt": "a\n"})
    with pytest.raises(UsageError, match="too low"):
        ingest([folder], tmp_path / "out", stages_factory=hook_stages, limits=Limits(memory_bytes=4 * MB))
    assert not (tmp_path / "out").exists()


# --- special files, loops, deep folders ---------------------------------------------------------------


def test_special_files_and_loops_in_a_folder_get_coded_rows(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"good.txt": "good\n", "sub/inner.txt": "inner\n"})
    os.mkfifo(folder / "fifo.txt")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "dangling.txt").symlink_to("nowhere.txt")
    (folder / "sub" / "up").symlink_to("..")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.txt"))
    try:
        rows = hooked(folder, tmp_path / "out", limits=LIGHT)
    finally:
        server.close()
    assert rows == {
        "dangling.txt": ("failed", "unreadable-file"),
        "fifo.txt": ("failed", "not-a-regular-file"),
        "good.txt": ("ok", ""),
        "loop.txt": ("failed", "not-a-regular-file"),
        "sock.txt": ("failed", "not-a-regular-file"),
        "sub/inner.txt": ("ok", ""),
        "sub/up": ("failed", "not-a-regular-file"),
    }


@pytest.mark.parametrize("kind", ["device", "fifo", "loop"])
def test_a_special_file_named_on_the_command_line_is_a_clear_error(tmp_path: Path, capsys, kind: str) -> None:
    path = Path("/dev/zero") if kind == "device" else tmp_path / "x.txt"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "loop":
        path.symlink_to(path.name)
    assert main(["ingest", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("keikaku: error:") and "not a file or folder" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_dev_zero_is_a_clear_error_for_the_installed_command(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", "/dev/zero", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1 and "a character device" in proc.stderr and "Traceback" not in proc.stderr


def test_1500_nested_folders_are_searched(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    levels = [str(folder) + "/d" * depth for depth in range(1501)]
    for level in levels:  # Path.mkdir(parents=True) itself recurses
        os.mkdir(level)
    Path(levels[-1], "plan.txt").write_text("deep\n")
    discovery = discover_inputs([folder])
    assert [i.source_file for i in discovery.inputs] == ["d/" * 1500 + "plan.txt"]
    assert discovery.inputs[0].data == b"deep\n"
    os.unlink(Path(levels[-1], "plan.txt"))
    for level in reversed(levels):  # leave nothing pytest's recursive clean-up would choke on
        os.rmdir(level)


def test_folder_order_is_the_order_of_earlier_versions(tmp_path: Path) -> None:
    """``sorted(rglob)``: Path order (by parts), so a/c/y.pdf comes before 'a b.txt'."""
    names = ["b.txt", "a/x.txt", "a.txt", "a b.txt", "A.txt", "a/c/y.pdf", "c.TXT", "skip.docx"]
    folder = folder_with(tmp_path, {name: name for name in names})
    expected = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*")) if p.suffix.lower() in (".txt", ".pdf")]
    assert [i.source_file for i in discover_inputs([folder]).inputs] == expected


def test_a_file_larger_than_the_memory_limit_is_not_read(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"big.txt": "x" * (3 * MB), "small.txt": "ok\n"})
    inputs = discover_inputs([folder], max_bytes=2 * MB).inputs
    assert [i.source_file for i in inputs] == ["big.txt", "small.txt"]
    assert inputs[0].read_failure is not None and inputs[0].read_failure.code is Code.MEMORY_LIMIT and inputs[0].data == b""
    assert "2 MB (--memory-limit)" in inputs[0].read_failure.message and inputs[1].data == b"ok\n"


# --- manifests -----------------------------------------------------------------------------------------

MANIFEST = "file,title,issuer,area,fiscal_year,kind_hints\na.txt,連携事業一覧,札幌市,さっぽろ圏,令和6年度,kpi\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"])
def test_a_manifest_is_decoded_like_a_text_input(tmp_path: Path, encoding: str) -> None:
    folder = folder_with(tmp_path, {"a.txt": "a\n", "manifest.csv": MANIFEST.encode(encoding)})
    inputs = discover_inputs([folder]).inputs
    facts = inputs[0].context  # kind_hints (a column of v1 manifests) is read and ignored
    assert (facts.title, facts.issuer, facts.area, facts.fiscal_year) == ("連携事業一覧", "札幌市", "さっぽろ圏", "FY2024")


def test_an_undecodable_manifest_is_a_usage_error(tmp_path: Path, capsys) -> None:
    folder = folder_with(tmp_path, {"a.txt": "a\n", "manifest.csv": bytes(range(256)) * 8})
    assert main(["ingest", str(folder), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot read the manifest" in err and "Traceback" not in err


def test_every_manifest_row_is_accounted_for(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("outside\n")
    manifest = "\n".join([
        "file,title,fiscal_year",
        "a.txt,A,R6",
        "b.txt,B,2024年度",
        "c.txt,C,来年",
        "d.txt,D,2023",
        "missing.txt,M,FY2024",
        "../outside.txt,O,FY2024",
        "a.txt,A again,FY2020",
        "notes.docx,N,FY2024",
        ",no name,FY2024",
    ]) + "\n"
    folder = folder_with(tmp_path, {n: n for n in ("a.txt", "b.txt", "c.txt", "d.txt", "notes.docx")} | {"manifest.csv": manifest})
    out = tmp_path / "out"
    hooked(folder, out, limits=LIGHT)
    years = {r["source_file"]: (r["title"], r["fiscal_year"]) for r in read_rows(out / "documents.csv")}
    assert years == {"a.txt": ("A", "FY2024"), "b.txt": ("B", "FY2024"), "c.txt": ("C", ""), "d.txt": ("D", "FY2023")}
    quality = [(q["doc_id"], q["code"], q["severity"], q["location"].rsplit(" ", 1)[-1]) for q in read_rows(out / "quality.csv")]
    assert quality == [
        ("", "manifest-bad-fiscal-year", "warning", "3"),
        ("", "manifest-file-missing", "warning", "5"),
        ("", "manifest-file-outside", "warning", "6"),
        ("", "manifest-duplicate", "warning", "7"),
        ("", "manifest-not-input", "warning", "8"),
        ("", "manifest-file-missing", "warning", "9"),
    ]
    from pipeline.validate import validate_output

    assert validate_output(out) == []


@pytest.mark.parametrize(
    "text, period",
    [("FY2024", "FY2024"), ("fy2024", "FY2024"), ("令和6年度", "FY2024"), ("R6", "FY2024"), ("2024年度", "FY2024"),
     ("２０２４", "FY2024"), ("H30", "FY2018"), ("FY2020/FY2022", "FY2020/FY2022"), ("来年", None), ("", None)],
)
def test_manifest_fiscal_years_are_read_with_the_period_parser(text: str, period: str | None) -> None:
    assert fiscal_year_to_period(text) == period


# --- no silent loss: long lines -------------------------------------------------------------------------


def test_a_line_longer_than_sudachi_takes_is_read_in_pieces(tmp_path: Path) -> None:
    filler = "地域の魅力を発信する取組を関係団体と連携して進め、"
    line = "令和4年度の相談件数は813件、" + filler * 1100 + "参加者は延べ2,400人となった、" + filler * 100 + "登録事業者は58社"
    assert len(line.encode()) > 49_149  # SudachiPy's limit: one 30,000-character sentence
    folder = folder_with(tmp_path, {"long.txt": f"1 相談事業\n{line}\n"})
    result = ingest([folder], tmp_path / "out", formats=("csv",), stages=default_stages())
    [document] = result.results
    assert document.status == "ok" and not [i for i in document.issues if i.code is Code.EXTRACTOR_FAILED], document.issues
    figures = [(m.metric, m.value, m.unit) for m in document.extraction.metrics]
    assert figures == [("相談件数", Decimal(813), "件"), ("参加者", Decimal(2400), "人"), ("登録事業者", Decimal(58), "社")]


@given(st.text(alphabet=st.sampled_from("あ漢a1。！\n、𠮷"), max_size=400), st.integers(16, 96))
def test_long_texts_are_cut_at_sentence_ends_into_pieces_that_join_back(text: str, max_bytes: int) -> None:
    from extractors.normalize.nlp import text_to_chunks

    chunks = text_to_chunks(text, max_bytes)
    assert "".join(chunks) == text
    assert all(len(c.encode()) <= max_bytes for c in chunks)
    sentences = re.split(r"(?<=[。！\n])", text)
    if all(len(sentence) <= max_bytes // 4 for sentence in sentences):  # no sentence needs cutting: cuts at sentence ends only
        assert all(chunk[-1] in "。！\n" for chunk in chunks[:-1])


# --- the cache holds data, not code ---------------------------------------------------------------------


class _Planted:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # runs when unpickled
        return (Path(self.marker).write_text, ("pwned",))


def test_a_planted_pickle_is_never_run(tmp_path: Path) -> None:
    import pickle

    out, cache_dir, marker = tmp_path / "out", tmp_path / "cache", tmp_path / "marker"
    folder = folder_with(tmp_path, {"plan.txt": SEED.read_bytes()})
    source = discover_inputs([folder]).inputs[0]
    key = input_to_key(source, __import__("hashlib").sha256(source.data).hexdigest())
    cache_dir.mkdir(mode=0o700)
    for name in (f"{key}.pickle", f"{key}.json"):
        (cache_dir / key[:2]).mkdir(mode=0o700, exist_ok=True)
        (cache_dir / key[:2] / name).write_bytes(pickle.dumps(_Planted(str(marker))))
    assert main(["ingest", str(folder), "--out", str(out), "--quiet", "--format", "csv", "--cache", str(cache_dir)]) == 0
    assert not marker.exists()
    assert json.loads((out / "run.json").read_text())["cache_hits"] == 0


def sample_result() -> DocumentResult:
    rows = (
        IndicatorRow(doc_id="ab" * 8, row=0, indicator="市税", baseline_value=Decimal("1.7673E+10"), actual_value=Decimal("-0.50"),
                     target_value=Decimal(0), baseline_period="FY2020/FY2022"),
        IndicatorRow(doc_id="ab" * 8, row=1, indicator="", baseline_value=None, target_text="未定"),
    )
    metrics = (MetricRow(doc_id="ab" * 8, row=0, value=Decimal("3.14159265358979323846"), qualifier=None, text="改行\r\nと\x00"),)
    from extractors.content.base import Extraction

    return DocumentResult(
        source=InputFile("a.txt", b"x"), doc_id="ab" * 8, sha256="cd" * 32, pages=None, encoding="cp932",
        extraction=Extraction(indicators=rows, metrics=metrics, issues=(Issue(Code.CELL_REPAIRED, Severity.INFO, "m", "indicators", "row 1"),)),
        issues=(Issue(Code.NO_CONTENT_FOUND, Severity.WARNING, "none"),),
    )


def test_cache_entries_round_trip_exactly_and_damage_is_a_miss(tmp_path: Path) -> None:
    from dataclasses import replace

    cache, why_not = open_cache(tmp_path / "cache")
    assert cache is not None and why_not is None
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    result = sample_result()
    key = "ef" * 32
    cache.put(key, result)
    hit = cache.get(key, result.source, result.sha256)
    assert hit == replace(result, from_cache=True)
    assert [type(v) for v in (hit.extraction.indicators[0].target_value, hit.extraction.metrics[0].value)] == [Decimal, Decimal]
    assert str(hit.extraction.indicators[0].actual_value) == "-0.50"
    assert cache.path_of(key).stat().st_mode & 0o777 == 0o600
    entry = cache.path_of(key).read_bytes()
    damaged = [
        entry[:-1],  # truncated
        entry.replace(b"-0.50", b"-0.51"),  # edited body, checksum kept
        entry.replace(key.encode(), ("00" * 32).encode(), 1),  # written for another key
        b'{"format": 1}\n' + entry.split(b"\n", 1)[1],  # another format
    ]
    for data in damaged:
        cache.path_of(key).write_bytes(data)
        assert cache.get(key, result.source, result.sha256) is None
    cache.path_of(key).write_bytes(entry)
    assert cache.get(key, result.source, "00" * 32) is None  # other bytes
    cache.path_of(key).unlink()
    cache.path_of(key).symlink_to(tmp_path / "elsewhere")
    assert cache.get(key, result.source, result.sha256) is None


def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    cache, why_not = open_cache(shared)
    assert cache is None and "written by other users" in why_not
    folder = folder_with(tmp_path, {"a.txt": "a\n"})
    warnings: list[str] = []
    ingest([folder], tmp_path / "out", formats=("csv",), cache_dir=shared, notice=warnings.append)
    assert any("running without the cache" in w for w in warnings)
    assert list(shared.iterdir()) == []


# --- output that is never lost ---------------------------------------------------------------------------


def written_output(out: Path, text: str = "plan") -> Path:
    folder = out.parent / f"in-{text}"
    folder.mkdir()
    (folder / f"{text}.txt").write_text(f"{text}\n")
    ingest([folder], out, formats=("csv",), stages_factory=hook_stages)
    return folder


STEPS = [("built", True), ("built", False), ("moved-aside", False), ("exchanged", True), ("renamed", False)]


@pytest.mark.parametrize("step, exchange", STEPS)
def test_a_swap_killed_at_any_step_is_recovered_by_the_next_run(tmp_path: Path, monkeypatch, step: str, exchange: bool) -> None:
    """The folder as the kill left it is copied at the step (a crash image), then the next run
    starts on the copy: before the commit the previous output comes back byte for byte; after
    it the new output is complete; no leftover either way."""
    root, image = tmp_path / "root", tmp_path / "image"
    root.mkdir()
    out = root / "out"
    written_output(out, "old")
    (out / "notes.md").write_text("my notes")
    before = snapshot(out)
    monkeypatch.setattr(swap, "EXCHANGE_ENABLED", exchange)
    monkeypatch.setattr(swap, "step", lambda name: shutil.copytree(root, image, symlinks=True) if name == step else None)
    new_inputs = written_output(out, "new")
    after = snapshot(out)
    assert image.exists() and after != before and after["notes.md"] == b"my notes"
    committed = step in ("exchanged", "renamed")
    monkeypatch.setattr(swap, "step", lambda name: None)
    copy = image / "out"
    with swap.folder_lock(copy):
        swap.recover(copy)
    assert snapshot(copy) == (after if committed else before)
    assert sorted(p.name for p in image.iterdir()) == sorted(["out", "in-old", "in-new", ".keikaku-lock-out"])
    ingest([image / new_inputs.name], copy, formats=("csv",), stages_factory=hook_stages)
    assert {k: v for k, v in snapshot(copy).items() if k != "run.json"} == {k: v for k, v in after.items() if k != "run.json"}


def test_the_next_run_restores_an_output_left_aside_before_anything_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written_output(out, "old")
    before = snapshot(out)
    os.rename(out, tmp_path / ".keikaku-old-out")  # killed between the two renames
    (tmp_path / ".keikaku-tmp-out").mkdir()
    (tmp_path / "empty").mkdir()
    messages: list[str] = []
    with pytest.raises(UsageError, match="no input documents"):
        ingest([tmp_path / "empty"], out, notice=messages.append)
    assert snapshot(out) == before
    assert any("restored the previous output" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", "empty", "in-old", ".keikaku-lock-out"])


def test_a_second_run_on_the_same_folder_waits_then_stops_with_a_clear_message(tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"
    folder = written_output(out)
    before = snapshot(out)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pipeline.swap import folder_lock\n"
         "with folder_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(swap, "LOCK_WAIT_SECONDS", 0.3)
        assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"another keikaku run (pid {holder.pid}) is writing" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert main(["ingest", str(folder), "--out", str(out), "--quiet", "--format", "csv"]) == 0  # free again


def test_the_users_own_files_in_the_output_folder_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = written_output(out)
    (out / "analysis_notes.md").write_text("my analysis")
    (out / "figures").mkdir()
    (out / "figures" / "fig1.svg").write_text("<svg/>")
    (out / "documents.parquet").write_bytes(b"stale copy of an earlier run")  # keikaku's own name: replaced
    inode = (out / "analysis_notes.md").stat().st_ino
    ingest([folder], out, formats=("csv",), stages_factory=hook_stages)
    assert (out / "analysis_notes.md").read_text() == "my analysis" and (out / "analysis_notes.md").stat().st_ino == inode
    assert (out / "figures" / "fig1.svg").read_text() == "<svg/>"
    assert not (out / "documents.parquet").exists()


def test_an_empty_input_folder_does_not_replace_the_output_unless_asked(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    written_output(out)
    before = snapshot(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["ingest", str(empty), "--out", str(out), "--quiet"]) == 1
    assert "no input documents" in capsys.readouterr().err
    assert snapshot(out) == before
    assert main(["ingest", str(empty), "--out", str(out), "--quiet", "--allow-empty", "--format", "csv"]) == 0
    assert read_rows(out / "documents.csv") == []


def test_out_is_checked_before_any_document_is_processed(tmp_path: Path) -> None:
    marker = tmp_path / "processed"
    folder = folder_with(tmp_path, {"touch.txt": f"{marker}\n"})
    not_ours = tmp_path / "thesis"
    not_ours.mkdir()
    (not_ours / "chapter1.docx").write_bytes(b"mine")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out in (not_ours, a_file, a_file / "sub"):
        with pytest.raises(UsageError) as caught:
            ingest([folder], out, stages_factory=hook_stages)
        assert str(out) in str(caught.value) or str(a_file) in str(caught.value)
    assert not marker.exists()
    ingest([folder], tmp_path / "out", stages_factory=hook_stages, formats=("csv",))
    assert marker.exists()  # the hook does mark a processed document


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_output_parent_is_a_clear_error_naming_it(tmp_path: Path, capsys) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        assert main(["ingest", str(SEED), "--out", str(parent / "out"), "--quiet"]) == 1
    finally:
        parent.chmod(0o755)
    err = capsys.readouterr().err
    assert str(parent) in err and "Traceback" not in err


def test_an_unreachable_dask_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("distributed")
    from pipeline import executors

    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", "1s")
    folder = folder_with(tmp_path, {"a.txt": "a\n"})
    args = ["ingest", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler tcp://127.0.0.1:9" in err and "cannot write the output" not in err


def test_errno_messages_name_the_path(tmp_path: Path, monkeypatch, capsys) -> None:
    from pipeline import output

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "x.parquet"))

    monkeypatch.setattr(output, "write_parquet", full)
    folder = folder_with(tmp_path, {"a.txt": "a\n"})
    assert main(["ingest", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--no-cache"]) == 1
    assert "No space left on device (" + str(tmp_path / "out" / "x.parquet") + ")" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_write_tables_alone_takes_the_lock(tmp_path: Path) -> None:
    from .test_output import sample_frames

    out = tmp_path / "out"
    write_tables(sample_frames(), out, formats=["csv"])
    assert (tmp_path / ".keikaku-lock-out").exists()
