"""What ``keikaku ingest`` shows while it runs (the command line's, not the pipeline's): a tqdm
bar on a terminal, one plain line per document otherwise, nothing with ``--quiet``. Each is a
``pipeline.ingest.Progress`` callback, called once per document as it finishes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .envelope import DocumentResult


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


def terminal_progress(quiet: bool) -> Callable[[int, int, DocumentResult], None] | None:
    """None when ``quiet``; a tqdm bar when stderr is a terminal; plain lines otherwise."""
    if quiet:
        return None
    return BarProgress() if sys.stderr.isatty() else print_progress
