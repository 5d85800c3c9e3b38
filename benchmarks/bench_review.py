"""The review page (``keikaku review``): build time for the seeds' run, and a page of 200
documents and 20,000+ rows built and used in a headless browser.

    python -m benchmarks review        # or: make bench BENCH=review

seeds: ``write_review`` over the output of ``ingest seeds/`` (the issue's target: under 10 s),
best of three, against reading the same output's CSV files (the least any page builder does).
scale: the seeds' output copied to 200 documents (new doc_ids), the page built from it (no
sources: no crops), then, where Debian's chromium and Playwright are installed, loaded from its
file and filtered: load time, and the time a filter change takes against a keypress that changes
nothing (the browser's own floor), so a full re-render would show as a large ratio."""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPEAT = 3
COPIES = 40  # the seeds' five documents, 40 times: 200 documents


def best_of(function, repeat: int = REPEAT) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def seeds_part(tmp: Path) -> Path:
    from pipeline.ingest import ingest
    from pipeline.review import write_review
    from pipeline.review.gather import read_output

    out = tmp / "seeds-output"
    ingest([SEEDS], out, formats=("csv",))
    base = best_of(lambda: read_output(out))
    build = best_of(lambda: write_review(out, [SEEDS]))
    built = write_review(out, [SEEDS])
    size = built.page.stat().st_size
    print(f"seeds: reading the output's CSV files {base * 1000:.0f} ms; review page built in {build * 1000:.0f} ms "
          f"(best of {REPEAT}; {build / base:.1f}x reading; target < 10 s): {built.items} values, {size / 1024:.0f} KiB")
    return out


def copy_output(tables: dict[str, list[dict[str, str]]], copies: int) -> dict[str, list[dict[str, str]]]:
    """Every row of every document ``copies`` times, each copy a document of its own."""
    result: dict[str, list[dict[str, str]]] = {}
    for table, rows in tables.items():
        result[table] = [{**row, **({"doc_id": f"{k:04x}{row['doc_id'][4:]}"} if row.get("doc_id") else {})}
                         for k in range(copies) for row in rows]
    for k, row in enumerate(result["documents"]):
        row["source_file"] = f"copy-{k // len(tables['documents']):02d}-{row['source_file']}"
    return result


def scale_part(seeds_out: Path, tmp: Path) -> None:
    from pipeline.review.gather import output_to_review, read_output
    from pipeline.review.page import json_to_html, review_to_json
    from schemas.tables import PROVENANCE_TABLES

    tables = copy_output(read_output(seeds_out), COPIES)
    rows = sum(len(tables[t]) for t in PROVENANCE_TABLES)
    folder = tmp / "scale"
    folder.mkdir()
    for table, table_rows in tables.items():
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(table_rows[0]) if table_rows else ["doc_id"])
            writer.writeheader()
            writer.writerows(table_rows)
    page_dir = folder / "review"
    page_dir.mkdir()

    def build() -> int:
        data = review_to_json(output_to_review(read_output(folder)), {}, page_dir, "scale")
        (page_dir / "index.html").write_text(json_to_html(data), encoding="utf-8")
        return len(data["items"])

    seconds = best_of(build, 1)
    items = build()
    size = (page_dir / "index.html").stat().st_size
    print(f"scale: {len(tables['documents'])} documents, {rows} data rows, {items} values: page built in {seconds:.2f} s, "
          f"{size / 2**20:.1f} MiB")
    browse(page_dir / "index.html")


def browse(page_file: Path) -> None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("scale: no chromium / playwright here (scripts/apt-packages.txt, pip install -e .[test]): browser part skipped")
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.perf_counter()
        page.goto(page_file.as_uri())
        page.wait_for_selector("body[data-ready=true]", timeout=120_000)
        loaded = time.perf_counter() - started
        first_doc = page.eval_on_selector("#f-doc option:nth-child(2)", "o => o.value")
        noop = min(page.evaluate(TIMED, ["x", ""]) for _ in range(REPEAT))
        flip = min(page.evaluate(TIMED, ["f-doc", v]) for _ in range(REPEAT) for v in (first_doc, ""))
        browser.close()
    print(f"scale: loaded and rendered in chromium in {loaded:.2f} s; a document filter applied and painted in {flip:.0f} ms "
          f"against {noop:.1f} ms for a keypress that changes nothing ({flip / noop:.0f}x; best of {REPEAT})")


# Milliseconds from setting a filter (or pressing a key that does nothing) to the next frame.
TIMED = """async ([id, value]) => {
  const started = performance.now();
  if (id === "x") document.dispatchEvent(new KeyboardEvent("keydown", {key: "x"}));
  else { const select = document.getElementById(id); select.value = value; select.dispatchEvent(new Event("change")); }
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - started;
}"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = seeds_part(Path(tmp))
        scale_part(out, Path(tmp))


if __name__ == "__main__":
    main()
