"""Where the per-document work runs: in watched worker processes, in this process, or on Dask.

Every executor does one thing: ``run(inputs)`` maps each ``InputFile`` to its ``DocumentResult``
and yields ``(position, result)`` pairs as documents finish, in any order; ``pipeline.ingest``
puts them back in input order, so the output is the same bytes whatever the executor and the
number of jobs.

Nothing is started before it is needed: when every document comes from the cache, no stage is
built, no worker or cluster started. Workers build their stages once (``StagesFactory``, a
module-level function such as ``pipeline.stages.default_stages``, so it pickles by name).
GiNZA is loaded lazily, once per worker process, never once per document.

- ``IsolatedExecutor`` (``pipeline.isolation``, the default, for any ``--jobs``): ``jobs``
  worker processes watched by this one; a document over its time or memory limit, or whose
  worker dies, is ``failed`` with a code and the others go on.
- ``SerialExecutor``: in this process, with the stages the caller gives (custom stages; tests).
  Only the inflated-stream limit applies: nothing can stop a hang in this process.
- ``DaskExecutor``: ``distributed.Client(scheduler)``; without a scheduler address a
  ``LocalCluster`` of ``jobs`` worker processes is started and closed with the run, each with
  the memory limit (its nanny restarts a worker that passes it) and no retry of a task whose
  worker died. A task's worker ends itself when the document passes the time limit. A lost
  worker costs its document (``worker-crashed``). Workers of a remote cluster need keikaku
  installed at the same version; their memory limit and retries are the cluster's own settings.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, Protocol

from schemas.quality import Code

from .envelope import DocumentResult, InputFile
from .inputs import UsageError
from .isolation import IsolatedExecutor, StagesFactory, failed_result, input_to_result, worker_stages
from .limits import DEFAULT_LIMITS, Limits
from .stages import Stage, default_stages

EXECUTORS = ("local", "dask")
DASK_CONNECT_TIMEOUT = "10s"


class Executor(Protocol):
    name: str

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    name = "serial"

    def __init__(self, stages: Sequence[Stage] | None = None, factory: StagesFactory = default_stages, limits: Limits = DEFAULT_LIMITS) -> None:
        self._stages = stages
        self.factory = factory
        self.limits = limits

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        if inputs and self._stages is None:
            self._stages = self.factory()  # built only when some document is not cached
        for position, source in enumerate(inputs):
            yield position, input_to_result(source, self._stages or (), self.limits.stream_bytes)

    def close(self) -> None:
        pass


# --- Dask -------------------------------------------------------------------------------------------


def dask_input_to_result(source: InputFile, factory: StagesFactory = default_stages, limits: Limits = DEFAULT_LIMITS) -> DocumentResult:
    """The task sent to Dask workers: past the time limit the worker process ends itself (its
    nanny starts a new one and the scheduler reports the task's worker lost)."""
    timer = threading.Timer(limits.seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    try:
        return input_to_result(source, worker_stages(factory), limits.stream_bytes)
    finally:
        timer.cancel()


def is_lost_worker(exc: BaseException) -> bool:
    """The errors Dask gives for a task whose worker died (KilledWorker, closed comms)."""
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return isinstance(exc, (KilledWorker, CommClosedError))


class DaskExecutor:
    def __init__(
        self, scheduler: str | None, jobs: int, factory: StagesFactory = default_stages, *, processes: bool = True, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ValueError("--executor dask needs the 'distributed' package (pip install 'distributed>=2024.1')")
        self.factory = factory
        self.scheduler = scheduler
        self.jobs = jobs
        self.processes = processes
        self.limits = limits
        self._cluster: Any = None
        self._client: Any = None
        self.name = f"dask {scheduler}" if scheduler else f"dask LocalCluster x{jobs}"

    def _connected(self) -> Any:
        """The client, connected (and the LocalCluster started) on first use only."""
        import dask
        from distributed import Client, LocalCluster

        if self._client is not None:
            return self._client
        if self.scheduler is None:
            # No retry of a task whose worker died (its document is the cause), and no task sent
            # to a worker before it takes it (worker-saturation 1.0): a task queued on a worker
            # that dies counts as running there, and would fail with the document that killed it.
            with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}):
                self._cluster = LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    memory_limit=self.limits.memory_bytes,
                )
            self._client = Client(self._cluster)
            self._client.wait_for_workers(self.jobs)  # each of the first documents on a worker of its own
            return self._client
        try:
            self._client = Client(self.scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            raise UsageError(f"cannot connect to the Dask scheduler {self.scheduler}: {exc}") from None
        return self._client

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        """Documents are handed out as workers free up, one per worker thread: Dask sends a
        short list of tasks to its workers all at once (its queuing of root tasks starts at
        twice as many tasks as threads), and a document queued on the worker another document
        kills would be lost with it."""
        from distributed import as_completed as dask_as_completed

        if not inputs:
            return
        client = self._connected()
        slots = self.jobs if self.scheduler is None else max(1, sum(client.nthreads().values()))
        waiting = iter(range(len(inputs)))
        position: dict[str, int] = {}
        futures = []
        running = dask_as_completed()

        def submit(index: int) -> None:
            future = client.submit(dask_input_to_result, inputs[index], factory=self.factory, limits=self.limits, pure=False)
            position[future.key] = index
            futures.append(future)
            running.add(future)

        for index in islice(waiting, slots):
            submit(index)
        try:
            for future in running:
                index = position[future.key]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 -- only a lost worker is the document's failure
                    if not is_lost_worker(exc):
                        raise
                    message = (
                        "the Dask worker processing this document was lost (killed, out of memory, over the time "
                        f"limit of {self.limits.seconds:g} s or crashed); the other documents are not affected"
                    )
                    result = failed_result(inputs[index], Code.WORKER_CRASHED, message)
                if (following := next(waiting, None)) is not None:
                    submit(following)
                yield index, result
        finally:
            client.cancel(futures)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    kind: str = "local",
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    stages: Sequence[Stage] | None = None,
    factory: StagesFactory = default_stages,
    limits: Limits = DEFAULT_LIMITS,
) -> Executor:
    """``local``: ``jobs`` watched worker processes; ``dask``: a cluster; custom ``stages``
    (objects, not a factory): this process, serially (ValueError with more jobs or Dask)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; choose from {', '.join(EXECUTORS)}")
    if stages is not None:
        if kind == "local" and jobs == 1 and scheduler is None:
            return SerialExecutor(stages, factory, limits)
        raise ValueError("custom stages run serially only; give a stages factory for parallel executors")
    if kind == "dask":
        return DaskExecutor(scheduler, jobs, factory, limits=limits)
    if scheduler is not None:
        raise ValueError("--scheduler needs --executor dask")
    return IsolatedExecutor(jobs, factory, limits)
