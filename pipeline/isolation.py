"""Each document is worked on in a child process that this process watches and may kill.

Why a child: a decompression bomb, a parser stuck in a loop or a native library that hangs or
crashes cannot be stopped from inside the process it runs in. Here the parent keeps ``jobs``
worker processes (``forkserver`` where available, else ``spawn``), sends each one document at
a time over a pipe and, while it waits, checks every busy worker's wall time and resident
memory against ``pipeline.limits.Limits``. A worker over a limit is killed (SIGKILL) and its
document is ``failed`` with ``time-limit`` or ``memory-limit``; a worker that dies by itself
(killed from outside, out of memory, segfault) costs its document only (``worker-crashed``).
In both cases a fresh worker takes the next document. The inflated-stream limit is checked
inside the worker, while pdfminer inflates (``extractors.readers.pdf.stream_limit``).

Cost: workers build their stages once (imports, numba kernels) and import the readers before
they say they are ready, so a document's time limit pays for no import; they load GiNZA on
first use; a document then costs one round trip of its bytes and its
result through a pipe (about a millisecond, ``benchmarks.bench_hostile``). Workers that are
idle when a run ends are kept for the next run in this process (tests, library use) and end
with it; a worker whose memory grew past ``RECYCLE_SHARE`` of the limit is replaced instead.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from extractors.readers import load_readers
from schemas.quality import Code, Issue, Severity

from .envelope import DocumentResult, InputFile
from .limits import DEFAULT_LIMITS, Limits
from .stages import Stage, default_stages, run_stages

StagesFactory = Callable[[], Sequence[Stage]]
POLL_SECONDS = 0.05  # how often busy workers' time and memory are checked
RECYCLE_SHARE = 0.75  # an idle worker above this share of the memory limit is replaced
START_SECONDS = 600.0  # a worker that is not ready by then is broken (first numba compile: ~20 s)


class WorkerStartError(RuntimeError):
    """A worker process died or stalled before it was ready: a broken installation, not a document."""


class LimitTooLow(ValueError):
    """The memory limit is below what a worker uses before reading any document."""


# --- the document's work, wherever it runs --------------------------------------------------------


def input_to_result(source: InputFile, stages: Sequence[Stage], stream_bytes: int | None = None) -> DocumentResult:
    """One document through every stage, inflating no PDF stream past ``stream_bytes``."""
    from extractors.readers.pdf import stream_limit

    with stream_limit(stream_bytes):
        return run_stages(DocumentResult.of(source), stages)


_WORKER_STAGES: dict[StagesFactory, Sequence[Stage]] = {}


def worker_stages(factory: StagesFactory) -> Sequence[Stage]:
    """The stages of ``factory``, built once per process."""
    if factory not in _WORKER_STAGES:
        _WORKER_STAGES[factory] = factory()
    return _WORKER_STAGES[factory]


def failed_result(source: InputFile, code: Code, message: str) -> DocumentResult:
    return DocumentResult.of(source).failed(Issue(code, Severity.ERROR, message, table="documents"))


# --- the child ------------------------------------------------------------------------------------


def worker_main(conn: Connection, factory: StagesFactory) -> None:
    """Child process: build the stages, say ready, then answer one document at a time until
    told to stop (None) or the parent goes away. Ctrl-C is the parent's to handle: it stops
    the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    stages = worker_stages(factory)
    load_readers()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        position, source, stream_bytes = message
        try:
            result = input_to_result(source, stages, stream_bytes)
        except Exception:  # noqa: BLE001 -- a bug: the parent raises it with this traceback
            conn.send(("error", position, traceback.format_exc()))
            continue
        conn.send(("result", position, result))


def _die_with_parent() -> None:
    """A worker must not outlive the run: the kernel kills it when its parent (the forkserver,
    which ends with the run) dies, and a thread ends it when the run's process goes away."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is not None:
        threading.Thread(target=lambda: (wait([sentinel]), os._exit(1)), daemon=True).start()


# --- the parent -----------------------------------------------------------------------------------


def _context() -> Any:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["pipeline.isolation"])
    return context


@dataclass
class Busy:
    """The document a worker holds and since when (``time.monotonic``)."""

    position: int
    source: InputFile
    started: float


class Worker:
    """One child process and the pipe to it (a resource handle, so not frozen)."""

    def __init__(self, factory: StagesFactory) -> None:
        context = _context()
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, factory), daemon=True, name="keikaku-worker")
        self.process.start()
        child.close()
        self.factory = factory
        self.ready = False
        self.started = time.monotonic()
        self.busy: Busy | None = None

    def rss(self) -> int:
        """Resident memory in bytes (0 when it cannot be read)."""
        import psutil

        try:
            return int(psutil.Process(self.process.pid).memory_info().rss)
        except (psutil.Error, ValueError, TypeError):
            return 0

    def send(self, busy: Busy, stream_bytes: int) -> bool:
        """Hand it a document; False when it died since it said it was ready."""
        try:
            self.conn.send((busy.position, busy.source, stream_bytes))
        except (OSError, ValueError):
            return False
        self.busy = busy
        return True

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        """Ask it to finish, kill it if it does not."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(timeout=5)
        self.kill()


_IDLE: dict[StagesFactory, list[Worker]] = {}


def _take_worker(factory: StagesFactory) -> Worker:
    idle = _IDLE.get(factory, [])
    while idle:
        worker = idle.pop()
        if worker.process.is_alive():
            return worker
        worker.kill()
    return Worker(factory)


def shutdown_workers() -> None:
    """Stop the workers kept for later runs (they also end with this process)."""
    for workers in _IDLE.values():
        for worker in workers:
            worker.stop()
    _IDLE.clear()


def exit_description(exitcode: int | None) -> str:
    """``-9`` -> 'killed by signal 9 (SIGKILL)'."""
    if exitcode is None:
        return "stopped"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-exitcode} ({name})"
    return f"exited with code {exitcode}"


class IsolatedExecutor:
    """``jobs`` watched worker processes; see the module docstring."""

    def __init__(self, jobs: int = 1, factory: StagesFactory = default_stages, limits: Limits = DEFAULT_LIMITS) -> None:
        self.jobs = jobs
        self.factory = factory
        self.limits = limits
        self.name = f"process x{jobs}"
        self._workers: list[Worker] = []

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        queue = deque(enumerate(inputs))
        while queue or any(w.busy for w in self._workers):
            self._staff(len(queue))
            for worker in self._workers:
                if worker.ready and worker.busy is None and queue:
                    position, source = queue.popleft()
                    if not worker.send(Busy(position, source, time.monotonic()), self.limits.stream_bytes):
                        queue.appendleft((position, source))  # never started: the next worker takes it
            yield from self._step()

    def _staff(self, waiting: int) -> None:
        """Enough workers for the documents waiting and those in hand, at most ``jobs``."""
        wanted = min(self.jobs, waiting + sum(1 for w in self._workers if w.busy))
        while len(self._workers) < wanted:
            worker = _take_worker(self.factory)
            self._workers.append(worker)
            if worker.ready:  # kept from an earlier run
                self._check_start_memory(worker)

    def _step(self) -> Iterator[tuple[int, DocumentResult]]:
        """Wait for a message, a death or the next check; yield the documents that ended."""
        by_handle: dict[Any, Worker] = {}
        for worker in self._workers:
            by_handle[worker.conn] = worker
            by_handle[worker.process.sentinel] = worker
        done: set[int] = set()
        for handle in wait(list(by_handle), timeout=POLL_SECONDS):
            worker = by_handle[handle]
            if id(worker) in done:
                continue
            done.add(id(worker))
            yield from self._read(worker)
        yield from self._watch()

    def _read(self, worker: Worker) -> Iterator[tuple[int, DocumentResult]]:
        try:
            message = worker.conn.recv() if worker.conn.poll() else None
        except (EOFError, OSError, ValueError):
            message = None
        if message is None:
            if not worker.process.is_alive() or worker.conn.closed:
                yield from self._lost(worker)
            return
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._check_start_memory(worker)
        elif kind == "result":
            busy, worker.busy = worker.busy, None
            assert busy is not None and busy.position == message[1]
            yield busy.position, message[2]
            if worker.rss() > RECYCLE_SHARE * self.limits.memory_bytes:
                self._retire(worker, worker.stop)
        else:
            raise RuntimeError(f"processing {worker.busy.source.source_file if worker.busy else '?'} raised:\n{message[2]}")

    def _lost(self, worker: Worker) -> Iterator[tuple[int, DocumentResult]]:
        worker.process.join(timeout=1)
        how = exit_description(worker.process.exitcode)
        busy = worker.busy
        self._retire(worker, worker.kill)
        if busy is None:
            if not worker.ready:
                raise WorkerStartError(f"a keikaku worker process {how} before it was ready")
            return
        message = f"the worker process {how} while processing this document (out of memory, killed or crashed); the other documents are not affected"
        yield busy.position, failed_result(busy.source, Code.WORKER_CRASHED, message)

    def _watch(self) -> Iterator[tuple[int, DocumentResult]]:
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.busy is None:
                if not worker.ready and now - worker.started > START_SECONDS:
                    self._retire(worker, worker.kill)
                    raise WorkerStartError(f"a keikaku worker process was not ready after {START_SECONDS:.0f} s")
                continue
            failure = self._over_limit(worker, now)
            if failure is not None:
                busy = worker.busy
                self._retire(worker, worker.kill)
                yield busy.position, failed_result(busy.source, *failure)

    def _over_limit(self, worker: Worker, now: float) -> tuple[Code, str] | None:
        assert worker.busy is not None
        limits = self.limits
        if now - worker.busy.started > limits.seconds:
            return Code.TIME_LIMIT, f"processing took longer than the time limit of {limits.seconds:g} s (--time-limit); stopped"
        rss = worker.rss()
        if rss > limits.memory_bytes:
            return Code.MEMORY_LIMIT, (
                f"the process working on this document used {rss / 2**20:.0f} MB, over the memory limit of "
                f"{limits.memory_mb:g} MB (--memory-limit); stopped"
            )
        return None

    def _check_start_memory(self, worker: Worker) -> None:
        rss = worker.rss()
        if rss > RECYCLE_SHARE * self.limits.memory_bytes:
            self._retire(worker, worker.kill)
            raise LimitTooLow(
                f"the memory limit of {self.limits.memory_mb:g} MB is too low: a worker uses {rss / 2**20:.0f} MB "
                "before reading any document"
            )

    def _retire(self, worker: Worker, how: Callable[[], None]) -> None:
        self._workers.remove(worker)
        how()

    def close(self) -> None:
        """Idle ready workers are kept for the next run; any other is stopped."""
        for worker in self._workers:
            if worker.ready and worker.busy is None and worker.process.is_alive():
                _IDLE.setdefault(self.factory, []).append(worker)
            else:
                worker.kill()
        self._workers = []
