"""Hostile inputs against their limits, and what the per-document isolation costs normal documents.

Every run is a fresh ``ingest`` in its own Python process (imports, worker start-up and model
loading count as they do for a user), with the process tree's resident memory sampled every
20 ms (psutil). Printed against a baseline measured in the same run:

- the issue's PDF bomb (a 510 KB file whose content stream inflates to 500 MB of zeros) with the
  default limits: time until its ``failed`` row and peak memory, against a sound one-page PDF
  processed the same way; then a bomb that stays under the stream limit (100 MB) with
  ``--time-limit 20``: stopped by the watchdog, not by the stream cap;
- the overhead of isolation: per document, 200 trivial documents (read stage only) through
  the worker against the same in this process; per run, the time a worker takes to be ready
  (imports, numba kernels; GiNZA loads on first use in either case); end to end, mutated seed
  copies in this process (custom stages: the serial path of earlier versions) against the
  watched worker (the default), best of ``REPEAT`` (this machine's noise is a few seconds).

``python -m benchmarks.bench_hostile [COPIES_PER_SEED]`` (default 4: 20 documents).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIES_PER_SEED = 4
REPEAT = 3

RUNNER = r"""
import json, sys, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
args = json.loads(sys.argv[2])
import psutil
peaks = {"tree": 0, "child": 0}
stop = threading.Event()
def sample():
    me = psutil.Process()
    while not stop.is_set():
        try:
            children = me.children(recursive=True)
            sizes = [c.memory_info().rss for c in children]
            peaks["tree"] = max(peaks["tree"], me.memory_info().rss + sum(sizes))
            peaks["child"] = max([peaks["child"], *sizes])
        except psutil.Error:
            pass
        stop.wait(0.02)
threading.Thread(target=sample, daemon=True).start()
from pipeline.ingest import ingest
from pipeline.limits import MB, Limits
limits = Limits(seconds=args["seconds"], memory_bytes=args["memory_mb"] * MB, stream_bytes=args["stream_mb"] * MB)
kwargs = {}
if args["mode"] == "in-process":
    from pipeline.stages import default_stages
    kwargs["stages"] = default_stages()
elif args["mode"].startswith("hook"):
    from tests.hostile_inputs import hook_stages
    if args["mode"] == "hook-in-process":
        kwargs["stages"] = hook_stages()
    else:
        kwargs["stages_factory"] = hook_stages
started = time.perf_counter()
result = ingest([Path(args["inputs"])], Path(args["out"]), formats=("csv",), limits=limits, **kwargs)
seconds = time.perf_counter() - started
stop.set()
print(json.dumps({
    "seconds": seconds,
    "documents": result.report.documents,
    "extract_seconds": sum(t for r in result.results for s, t in r.timings),
    "peak_tree_mib": peaks["tree"] / 2**20,
    "peak_child_mib": peaks["child"] / 2**20,
    "failed": [(r.source.source_file, str(r.failure.code), r.failure.message) for r in result.results if r.failure],
}))
"""


def run(inputs: Path, out: Path, mode: str = "isolated", *, seconds: float = 300, memory_mb: int = 1536, stream_mb: int = 256) -> dict:
    args = {"inputs": str(inputs), "out": str(out), "mode": mode, "seconds": seconds, "memory_mb": memory_mb, "stream_mb": stream_mb}
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(ROOT), json.dumps(args)], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def folder_of(tmp: Path, name: str, files: dict[str, bytes]) -> Path:
    folder = tmp / name
    folder.mkdir()
    for file, data in files.items():
        (folder / file).write_bytes(data)
    return folder


def bomb_figures(tmp: Path) -> None:
    from tests.hostile_inputs import pdf_bomb, text_pdf

    bomb = pdf_bomb(500 * 2**20)
    sound = run(folder_of(tmp, "sound", {"plan.pdf": text_pdf("Plan 2024 813")}), tmp / "out-sound")
    stopped = run(folder_of(tmp, "bomb", {"bomb.pdf": bomb}), tmp / "out-bomb")
    print(f"PDF bomb: {len(bomb) / 1024:.0f} KB file, one content stream inflating to 500 MB of zeros; default limits")
    print(f"  bomb   : {stopped['seconds']:6.1f} s run, peak memory {stopped['peak_tree_mib']:6.0f} MiB (worker {stopped['peak_child_mib']:.0f} MiB)"
          f"  -> {stopped['failed'][0][1] if stopped['failed'] else 'NOT STOPPED'}")
    print(f"  sound  : {sound['seconds']:6.1f} s run, peak memory {sound['peak_tree_mib']:6.0f} MiB (worker {sound['peak_child_mib']:.0f} MiB)"
          "  (baseline: a one-page PDF, same path)")
    print(f"  the bomb costs {stopped['seconds'] - sound['seconds']:+.1f} s and {stopped['peak_tree_mib'] - sound['peak_tree_mib']:+.0f} MiB"
          " over the baseline (limit 1536 MiB per worker)")
    under = run(folder_of(tmp, "under", {"bomb.pdf": pdf_bomb(100 * 2**20)}), tmp / "out-under", seconds=20)
    print(f"  a 100 MB bomb (under the 256 MB stream limit) with --time-limit 20: {under['seconds']:.1f} s run, peak memory "
          f"{under['peak_tree_mib']:.0f} MiB -> {under['failed'][0][1] if under['failed'] else 'NOT STOPPED'}")


def overhead_figures(tmp: Path, copies: int) -> None:
    from benchmarks.bench_batch import generate

    inputs = tmp / "seeds"
    inputs.mkdir()
    documents = generate(inputs, copies)
    best: dict[str, dict] = {}
    for _ in range(REPEAT):
        for mode in ("in-process", "isolated"):
            figures = run(inputs, tmp / f"out-{mode}", mode)
            if mode not in best or figures["seconds"] < best[mode]["seconds"]:
                best[mode] = figures
    base, isolated = best["in-process"], best["isolated"]
    per_document = (isolated["seconds"] - base["seconds"]) / documents
    print(f"Isolation overhead: {documents} mutated seed copies, best of {REPEAT}")
    for label, figures in (("in this process (earlier serial path)", base), ("watched worker (default)", isolated)):
        print(f"  {label:38s}: {figures['seconds']:6.2f} s  ({figures['seconds'] / documents * 1000:5.0f} ms/document), "
              f"peak memory {figures['peak_tree_mib']:.0f} MiB")
    print(f"  difference: {per_document * 1000:+.0f} ms per document ({isolated['seconds'] / base['seconds'] - 1:+.1%} of the run; "
          "includes starting one worker process per run)")
    trivial = {f"doc{i:03d}.txt": f"document {i}\n".encode() for i in range(200)}
    hook_inputs = folder_of(tmp, "trivial", trivial)
    fastest = {mode: min((run(hook_inputs, tmp / f"out-{mode}", mode) for _ in range(REPEAT)), key=lambda f: f["seconds"])
               for mode in ("hook-in-process", "hook")}
    in_process, through = (fastest[m]["seconds"] for m in ("hook-in-process", "hook"))
    print(f"  per document: {len(trivial)} trivial documents (read stage only) {in_process:.2f} s in this process, "
          f"{through:.2f} s through the worker: {(through - in_process) / len(trivial) * 1000:+.1f} ms per document")
    print(f"  per run: a worker with the default stages is ready after {worker_ready_seconds():.1f} s "
          "(the parent reads the inputs meanwhile)")


def worker_ready_seconds() -> float:
    """Fastest of ``REPEAT`` starts of a worker building the default stages."""
    import time

    from pipeline.isolation import Worker
    from pipeline.stages import default_stages

    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        worker = Worker(default_stages)
        worker.conn.recv()
        times.append(time.perf_counter() - started)
        worker.stop()
    return min(times)


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else COPIES_PER_SEED
    with tempfile.TemporaryDirectory() as tmp:
        bomb_figures(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        overhead_figures(Path(tmp), copies)


if __name__ == "__main__":
    main()
