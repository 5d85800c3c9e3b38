"""Where the per-document work runs: in this process, in a process pool, or on a Dask cluster.

Every executor does one thing: ``run(inputs)`` maps each ``InputFile`` to its ``DocumentResult``
(``input_to_result``) and yields ``(position, result)`` pairs as documents finish, in any
order; ``pipeline.ingest`` puts them back in input order, so the output is the same bytes
whatever the executor and the number of jobs.

Nothing is started before it is needed: when every document comes from the cache, no stage is
built, no pool or cluster started. Workers build their stages once (``StagesFactory``, a module-level function such as
``pipeline.stages.default_stages``, so it pickles by name): the process pool does it in the
worker initializer, Dask workers on their first task. GiNZA is loaded lazily, once per worker
process (``extractors.normalize.nlp.ginza`` is cached per process), never once per document.

- ``SerialExecutor``: in this process, with the stages the caller gives (custom stages allowed).
- ``ProcessExecutor``: ``concurrent.futures.ProcessPoolExecutor`` with ``jobs`` workers
  (``forkserver`` start method where available, else ``spawn``: no fork of a threaded parent).
- ``DaskExecutor``: ``distributed.Client(scheduler)``; without a scheduler address a
  ``LocalCluster`` of ``jobs`` worker processes is started and closed with the run. Workers of
  a remote cluster need keikaku installed at the same version; the input bytes travel with
  each task and the results come back to this process, which alone writes cache and output.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from extractors.readers import bytes_to_identity

from .envelope import DocumentResult, InputFile
from .stages import Stage, default_stages, run_stages

StagesFactory = Callable[[], Sequence[Stage]]
EXECUTORS = ("local", "dask")


class Executor(Protocol):
    name: str

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]: ...

    def close(self) -> None: ...


def input_to_result(source: InputFile, stages: Sequence[Stage]) -> DocumentResult:
    """One document through every stage: identity, then read -> extract -> validate."""
    identity = bytes_to_identity(source.data)
    return run_stages(DocumentResult(source=source, doc_id=identity.doc_id, sha256=identity.sha256), stages)


# --- worker side: stages built once per worker process ------------------------------------------

_WORKER_STAGES: dict[StagesFactory, Sequence[Stage]] = {}


def init_worker(factory: StagesFactory = default_stages) -> None:
    """Process-pool initializer: build the stages (and import every extractor) once."""
    worker_stages(factory)


def worker_stages(factory: StagesFactory) -> Sequence[Stage]:
    if factory not in _WORKER_STAGES:
        _WORKER_STAGES[factory] = factory()
    return _WORKER_STAGES[factory]


def worker_input_to_result(source: InputFile, factory: StagesFactory = default_stages) -> DocumentResult:
    """The task sent to pool and Dask workers."""
    return input_to_result(source, worker_stages(factory))


# --- executors ----------------------------------------------------------------------------------


class SerialExecutor:
    name = "serial"

    def __init__(self, stages: Sequence[Stage] | None = None, factory: StagesFactory = default_stages) -> None:
        self._stages = stages
        self.factory = factory

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        if inputs and self._stages is None:
            self._stages = self.factory()  # built only when some document is not cached
        for position, source in enumerate(inputs):
            yield position, input_to_result(source, self._stages or ())

    def close(self) -> None:
        pass


class ProcessExecutor:
    def __init__(self, jobs: int, factory: StagesFactory = default_stages) -> None:
        self.jobs = jobs
        self.factory = factory
        self.name = f"process x{jobs}"
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(["pipeline.executors"])
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=init_worker, initargs=(self.factory,))
        return self._pool

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        if not inputs:
            return
        pool = self._started()
        futures: dict[Future[DocumentResult], int] = {
            pool.submit(worker_input_to_result, source, self.factory): position for position, source in enumerate(inputs)
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    def __init__(self, scheduler: str | None, jobs: int, factory: StagesFactory = default_stages, *, processes: bool = True) -> None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ValueError("--executor dask needs the 'distributed' package (pip install 'distributed>=2024.1')")
        self.factory = factory
        self.scheduler = scheduler
        self.jobs = jobs
        self.processes = processes
        self._cluster: Any = None
        self._client: Any = None
        self.name = f"dask {scheduler}" if scheduler else f"dask LocalCluster x{jobs}"

    def _connected(self) -> Any:
        """The client, connected (and the LocalCluster started) on first use only."""
        from distributed import Client, LocalCluster

        if self._client is None:
            if self.scheduler is None:
                self._cluster = LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=self.processes, dashboard_address=None
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler)
        return self._client

    def run(self, inputs: Sequence[InputFile]) -> Iterator[tuple[int, DocumentResult]]:
        from distributed import as_completed as dask_as_completed

        if not inputs:
            return
        client = self._connected()
        futures = client.map(worker_input_to_result, list(inputs), factory=self.factory, pure=False)
        position = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in dask_as_completed(futures):
                yield position[future.key], future.result()
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
) -> Executor:
    """``local`` with one job: serial; ``local`` with more: a process pool; ``dask``: a cluster.

    Custom ``stages`` (objects, not a factory) only run serially; ValueError otherwise."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; choose from {', '.join(EXECUTORS)}")
    if kind == "local" and jobs == 1 and scheduler is None:
        return SerialExecutor(stages, factory)
    if stages is not None:
        raise ValueError("custom stages run serially only; give a stages factory for parallel executors")
    if kind == "dask":
        return DaskExecutor(scheduler, jobs, factory)
    if scheduler is not None:
        raise ValueError("--scheduler needs --executor dask")
    return ProcessExecutor(jobs, factory)
