"""The run report: documents by status, rows per table, quality issues by code, time per stage.

Two renderings, on purpose:

- ``report.json`` / ``report.txt`` in the output folder hold only facts that follow from the
  inputs and the code (documents by status, rows per table, issues by code, failed documents),
  so an unchanged re-run writes them byte for byte the same.
- ``run.json`` in the output folder and the summary printed by ``keikaku ingest`` add what
  depends on this particular run: seconds per stage and in total, cache hits, executor and jobs.
  ``run.json`` is the one output file documented as different on every run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from schemas.tables import QualityRow

from .envelope import DocumentResult


@dataclass(frozen=True)
class RunReport:
    documents: int
    by_status: dict[str, int]
    rows_per_table: dict[str, int]
    issues_by_code: dict[str, int]
    seconds_per_stage: dict[str, float]
    failed: tuple[tuple[str, str, str], ...]  # (source_file, code, message)
    seconds_total: float
    cache_hits: int = 0
    executor: str = "serial"

    @property
    def exit_code(self) -> int:
        """0 when every document succeeded (ok or partial), 2 when some failed."""
        return 2 if self.by_status.get("failed") else 0

    def to_json(self) -> str:
        """Deterministic facts only (``report.json``): the same inputs and code give the same bytes."""
        return json.dumps(self._facts(), ensure_ascii=False, indent=2) + "\n"

    def run_json(self) -> str:
        """This run's timings, cache hits and executor (``run.json``; differs on every run)."""
        payload = {
            "documents": self.documents,
            "cache_hits": self.cache_hits,
            "processed": self.documents - self.cache_hits,
            "executor": self.executor,
            "seconds_per_stage": {k: round(v, 3) for k, v in self.seconds_per_stage.items()},
            "seconds_total": round(self.seconds_total, 3),
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"

    def _facts(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "by_status": self.by_status,
            "rows_per_table": self.rows_per_table,
            "issues_by_code": self.issues_by_code,
            "failed": [{"source_file": s, "error_code": c, "error_message": m} for s, c, m in self.failed],
        }

    def to_text(self, *, timings: bool = False) -> str:
        """``report.txt`` (deterministic); with ``timings`` the printed summary, which adds the
        run time, cache hits and seconds per stage."""
        status = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        head = f"keikaku: {self.documents} documents ({status})"
        if timings:
            head += f" in {self.seconds_total:.1f} s, {self.cache_hits} from cache"
        lines = [head]
        rows = ", ".join(f"{t} {n}" for t, n in self.rows_per_table.items())
        lines.append(f"rows: {rows}")
        if self.issues_by_code:
            lines.append("quality: " + ", ".join(f"{c} {n}" for c, n in sorted(self.issues_by_code.items())))
        if timings and self.seconds_per_stage:
            lines.append("time: " + ", ".join(f"{s} {t:.2f} s" for s, t in self.seconds_per_stage.items()))
        for source, code, message in self.failed:
            lines.append(f"failed: {source}: [{code}] {message}")
        return "\n".join(lines) + "\n"


def results_to_report(
    results: list[DocumentResult],
    rows_per_table: dict[str, int],
    seconds_total: float,
    *,
    executor: str = "serial",
    quality: list[QualityRow] | None = None,
) -> RunReport:
    """The run's report; issues are counted over ``quality`` (the rows written, run-level ones
    included) or, without it, over the documents' own quality rows."""
    stage_time: Counter[str] = Counter()
    for result in results:
        for stage, seconds in result.timings:
            stage_time[stage] += seconds
    rows = quality if quality is not None else [q for r in results for q in r.quality_rows()]
    codes = Counter(q.code for q in rows)
    return RunReport(
        documents=len(results),
        by_status=dict(sorted(Counter(r.status for r in results).items())),
        rows_per_table=rows_per_table,
        issues_by_code=dict(sorted(codes.items())),
        seconds_per_stage=dict(stage_time),
        failed=tuple(
            (r.source.source_file, str(r.failure.code), r.failure.message) for r in results if r.failure is not None
        ),
        seconds_total=seconds_total,
        cache_hits=sum(1 for r in results if r.from_cache),
        executor=executor,
    )


def text_tables_to_report(documents: list[dict[str, str]], quality: list[dict[str, str]], rows_per_table: dict[str, int]) -> RunReport:
    """The deterministic part of the report, rebuilt from the tables as written (CSV text), so
    ``keikaku validate`` can tell whether ``report.json`` / ``report.txt`` still match them."""
    return RunReport(
        documents=len(documents),
        by_status=dict(sorted(Counter(d.get("status", "") for d in documents).items())),
        rows_per_table=rows_per_table,
        issues_by_code=dict(sorted(Counter(q.get("code", "") for q in quality).items())),
        seconds_per_stage={},
        failed=tuple(
            (d.get("source_file", ""), d.get("error_code", ""), d.get("error_message", "")) for d in documents if d.get("status") == "failed"
        ),
        seconds_total=0.0,
    )
