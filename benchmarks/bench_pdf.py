"""PDF tables: keikaku's reader against its peers on the fixtures of known truth, throughput
against raw text extraction, and peak memory on long generated PDFs.

Scoring, the same rule for every reader:

* The truth is the table's content, not its text-extraction form: the fixture's canonical rows
  with the text of every merged cell in every slot it covers (a category label on every row of
  its block, a header merged over two columns on both). A reader that leaves a covered slot
  blank has not said what it holds, and loses that cell.
* A reader is scored on what it delivers. Peers: their raw rows (pdfplumber ``extract``'s
  ``None`` as empty, camelot's data frames; default settings, no post-processing). keikaku: the
  table lines of its document, each merged cell expanded over the slots its span covers
  (``Cell.row_span``/``col_span`` are part of the document model every extractor receives).
* Cells compare after NFKC with all whitespace removed (a wrapped or one-character-per-line cell
  is the same text), so presentation is not scored, content is.
* Truth rows are matched in order to extracted rows (the best of the next few, so one missing
  row is not punished twice). Extracted rows lying between the first and the last matched row
  that match no truth row are extra rows (a header repeated on a continuation page, a row
  split in two) and their cells count as wrong: score = right cells / (truth cells + cells of
  extra rows). Rows outside the matched span (titles read as a table) are not counted.

Peers: camelot lattice and stream (``camelot.read_pdf``, when installed: it is no dependency), pdfplumber's raw ``find_tables`` +
``extract`` (what keikaku builds on). The summary gives, per table kind, keikaku's mean score
against the best peer's and whether it beats, ties or loses.

Throughput: keikaku ``read_document`` against pdfplumber ``extract_text`` and pypdfium2
``get_text_range`` on the very same pages: a generated PDF of running text (the text route)
and the fixtures (tables). pypdfium2 is the cheapest route but is not keikaku's text route:
its characters differ from pdfminer's on some pages (printed), so lines would differ.

Memory: each long PDF is read in a fresh interpreter, which reports its peak RSS growth
(``VmHWM``, else ``ru_maxrss``) during ``read_document``; 30 and 300 pages side by side, per
page, with the size of the Document returned.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LOOKAHEAD = 4
MEMORY_PAGES = (30, 300)
TEXT_PAGES = 20
TIE = 1e-9


def norm(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass(frozen=True)
class Score:
    right: int
    truth_cells: int
    extra_cells: int

    @property
    def value(self) -> float:
        total = self.truth_cells + self.extra_cells
        return self.right / total if total else 0.0


def truth_grid(rows: Sequence[Sequence[str]], merges: Sequence[Sequence[int]]) -> list[list[str]]:
    """Canonical rows with each merged cell's text copied into every slot it covers."""
    grid = [list(r) for r in rows]
    for row, col, row_span, col_span in merges:
        for r in range(row, min(row + row_span, len(grid))):
            for c in range(col, min(col + col_span, len(grid[r]))):
                grid[r][c] = grid[row][col]
    return grid


def score_rows(got: list[list[str]], truth: list[list[str]]) -> Score:
    """Truth rows aligned in order to extracted rows; unmatched rows inside the matched span
    count as extra (see the module docstring)."""
    got = [[norm(c) for c in row] for row in got]
    at, right, total, matched_rows = 0, 0, 0, []
    for row in truth:
        row = [norm(c) for c in row]
        total += len(row)
        window = [(i, sum(a == b for a, b in zip(g, row, strict=False)) if len(g) == len(row) else -1) for i, g in enumerate(got[at : at + LOOKAHEAD], start=at)]
        if window:
            best, matched = max(window, key=lambda w: w[1])
            if matched > 0:
                right += matched
                matched_rows.append(best)
                at = best + 1
    extra = 0
    if matched_rows:
        inside = set(range(matched_rows[0], matched_rows[-1] + 1)) - set(matched_rows)
        extra = sum(len(got[i]) for i in inside)
    return Score(right, total, extra)


def expand_spans(rows: list[tuple]) -> list[list[str]]:
    """Rows of keikaku cells as text, a merged cell's text in every slot its span covers."""
    grid = [[c.text for c in row] for row in rows]
    for r, row in enumerate(rows):
        for cell in row:
            for rr in range(r, min(r + cell.row_span, len(grid))):
                for cc in range(cell.column, min(cell.column + cell.col_span, len(grid[rr]))):
                    if not grid[rr][cc]:
                        grid[rr][cc] = cell.text
    return grid


# --- readers: path -> rows of cells --------------------------------------------------------------


def keikaku_rows(path: Path, width: int) -> list[list[str]]:
    from extractors.readers import read_document

    doc = read_document(path.read_bytes(), path.name)
    return expand_spans([line.cells for line in doc.lines() if len(line.cells) == width])  # type: ignore[union-attr]


def pdfplumber_rows(path: Path, width: int) -> list[list[str]]:
    import pdfplumber

    rows = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.find_tables():
                rows += [[c or "" for c in row] for row in table.extract()]
            page.close()
    return rows


def camelot_rows(flavor: str) -> Callable[[Path, int], list[list[str]]]:
    def read(path: Path, width: int) -> list[list[str]]:
        import camelot

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = camelot.read_pdf(str(path), flavor=flavor, pages="all")
        return [list(map(str, row)) for t in tables for row in t.df.values.tolist()]

    return read


READERS: dict[str, Callable[[Path, int], list[list[str]]]] = {
    "keikaku": keikaku_rows,
    "pdfplumber": pdfplumber_rows,
    # camelot is no dependency of keikaku (bench_tables: it wins on no table kind); compared when installed
    **({"camelot-lattice": camelot_rows("lattice"), "camelot-stream": camelot_rows("stream")} if find_spec("camelot") else {}),
}


def fixture_scores() -> list[tuple[dict, dict[str, Score | str]]]:
    """Every fixture's truth and each reader's score (or the error it raised)."""
    out = []
    for truth_path in sorted(FIXTURES.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        grid = truth_grid(truth["rows"], truth["merges"])
        scores: dict[str, Score | str] = {}
        for name, read in READERS.items():
            try:
                scores[name] = score_rows(read(truth_path.with_suffix(".pdf"), len(grid[0])), grid)
            except Exception as exc:  # noqa: BLE001 - a peer failing on a fixture is a result, not a crash
                scores[name] = f"error {type(exc).__name__[:8]}"
        out.append((truth, scores))
    return out


def verdict(mine: float, best_peer: float) -> str:
    return "ties" if abs(mine - best_peer) <= TIE else ("beats" if mine > best_peer else "loses")


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def value_of(score: Score | str) -> float:
    return score.value if isinstance(score, Score) else 0.0


def accuracy_table() -> None:
    results = fixture_scores()
    print("cells right / (truth cells + extra rows' cells); merged cells count on every slot they cover")
    print(f"{'fixture':<62} {'layout':<10} " + " ".join(f"{n:>15}" for n in READERS))
    for truth, scores in results:
        shown = [f"{s.value:>14.2%}" if isinstance(s, Score) else s for s in scores.values()]
        print(f"{truth['name']:<62} {truth['layout']:<10} " + " ".join(f"{s:>15}" for s in shown))
    print("\nper table kind: keikaku vs the best raw peer (mean over the kind's fixtures)")
    kinds: dict[str, list[dict[str, Score | str]]] = {}
    for truth, scores in results:
        kinds.setdefault(f"{truth['kind']} ({truth['layout']})", []).append(scores)
    for kind, runs in kinds.items():
        means = {name: mean([value_of(r[name]) for r in runs]) for name in READERS}
        peer = max((n for n in READERS if n != "keikaku"), key=lambda n: means[n])
        mine = means["keikaku"]
        print(f"  {kind:<28} {len(runs)} fixture(s)  keikaku {mine:8.2%}  best peer {peer:<16} {means[peer]:8.2%}  {verdict(mine, means[peer])}")


# --- throughput ----------------------------------------------------------------------------------


def seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def time_readers(label: str, named: Sequence[tuple[str, bytes]]) -> None:
    """keikaku and the raw text routes on the same PDFs, best of 3 each."""
    import pdfplumber
    import pypdfium2

    from extractors.readers import read_document

    pages = sum(len(pypdfium2.PdfDocument(d)) for _, d in named)

    def keikaku() -> None:
        for name, data in named:
            read_document(data, name)

    def plumber_text() -> None:
        for _, data in named:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.close()

    def pdfium_text() -> None:
        for _, data in named:
            doc = pypdfium2.PdfDocument(data)
            for page in doc:
                page.get_textpage().get_text_range()
            doc.close()

    k, t, f = seconds(keikaku), seconds(plumber_text), seconds(pdfium_text)
    print(f"\nthroughput on {label}, {pages} pages (best of 3)")
    print(f"  keikaku read_document        {k * 1000:8.1f} ms  {pages / k:7.1f} pages/s")
    print(f"  pdfplumber extract_text      {t * 1000:8.1f} ms  {pages / t:7.1f} pages/s   keikaku is {k / t:.2f}x its time")
    print(f"  pypdfium2 get_text_range     {f * 1000:8.1f} ms  {pages / f:7.1f} pages/s   keikaku is {k / f:.1f}x its time")


def text_route_pages(data: bytes) -> tuple[int, int]:
    """Pages of ``data`` that keikaku reads by the text route (no strategy may find a table)."""
    import pdfplumber

    from extractors.readers.pdf import page_without_duplicate_glyphs
    from extractors.tables import may_hold_tables

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        routes = [not may_hold_tables(page_without_duplicate_glyphs(page)) for page in pdf.pages]
    return sum(routes), len(routes)


def pdfium_agreement(datas: Sequence[bytes]) -> tuple[int, int]:
    """Pages on which pypdfium2's characters (its generated line breaks aside) are the very
    characters pdfminer reads: the condition for it to give the same lines."""
    import pdfplumber
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    same = total = 0
    for data in datas:
        doc = pypdfium2.PdfDocument(data)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page, plumber_page in zip(doc, pdf.pages, strict=False):
                text = page.get_textpage()
                chars = "".join(
                    chr(pdfium_c.FPDFText_GetUnicode(text.raw, i)) for i in range(text.count_chars()) if pdfium_c.FPDFText_IsGenerated(text.raw, i) != 1
                )
                same += chars == "".join(c["text"] for c in plumber_page.chars)
                total += 1
        doc.close()
    return same, total


def throughput() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text = write_long_pdf(Path(tmp) / "text.pdf", TEXT_PAGES, tables=False).read_bytes()
    on_text, pages = text_route_pages(text)
    time_readers(f"text pages (a generated PDF of running text; {on_text}/{pages} pages on keikaku's text route)", [("text.pdf", text)])
    fixtures = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.pdf"))]
    time_readers(f"{len(fixtures)} fixtures (tables)", fixtures)
    same, total = pdfium_agreement([text, *(d for _, d in fixtures)])
    print(f"  pypdfium2 reads the same characters as pdfminer on {same}/{total} of these pages: keikaku's text route stays pdfplumber's")


# --- memory on long PDFs -------------------------------------------------------------------------


def write_long_pdf(path: Path, pages: int, *, tables: bool = True) -> Path:
    """Pages of running text; with ``tables``, every other page is a ruled participation-like
    table instead."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    from tests.pdf_fixtures import FONT

    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    for p in range(pages):
        c.setFont(FONT, 8)
        c.drawString(40, height - 25, "連携中枢都市圏において連携する取組一覧")
        c.drawString(width / 2, 15, f"- {p + 1} -")
        if tables and p % 2 == 0:
            for r in range(25):
                y = height - 60 - r * 18
                for k in range(12):
                    x = 40 + k * 60
                    c.rect(x, y - 4, 60, 18)
                    c.drawString(x + 3, y + 2, f"事業{r}" if k == 0 else ("●" if (r + k + p) % 3 else ""))
        else:
            for r in range(40):
                c.drawString(40, height - 60 - r * 12, f"本文 {p}-{r}：圏域全体の経済成長のけん引に向けて、連携事業を推進する。")
        c.showPage()
    c.save()
    return path


def peak_rss_kib() -> int:
    """Peak resident memory of this process in KiB. Linux: ``VmHWM``, this program image's own
    high-water mark (``ru_maxrss`` keeps the parent's peak across fork and exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def memory_run(path: Path, warm: Path) -> dict:
    """In this fresh interpreter: read ``warm`` (imports and caches not counted), then the long
    PDF at ``path``; time and peak RSS growth while reading it."""
    from extractors.readers import read_document

    read_document(warm.read_bytes(), warm.name)
    data = path.read_bytes()
    before = peak_rss_kib()
    started = time.perf_counter()
    doc = read_document(data, path.name)
    elapsed = time.perf_counter() - started
    lines = len(doc.lines())  # type: ignore[union-attr]
    return {"mib": len(data) / 2**20, "seconds": elapsed, "peak_kib": peak_rss_kib() - before, "lines": lines, "doc_kib": deep_size(doc) / 1024}


def deep_size(obj: object, seen: set[int] | None = None) -> int:
    """Bytes of ``obj`` and everything it holds (dataclasses, tuples, strings), each once."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, (tuple, list)):
        size += sum(deep_size(o, seen) for o in obj)
    elif hasattr(obj, "__dataclass_fields__"):
        size += sum(deep_size(getattr(obj, f), seen) for f in obj.__dataclass_fields__)  # type: ignore[attr-defined]
    return size


def memory() -> None:
    print("\nmemory: long generated PDFs (half ruled tables, half text), each read in a fresh interpreter")
    with tempfile.TemporaryDirectory() as tmp:
        warm = write_long_pdf(Path(tmp) / "warm.pdf", 2)
        for pages in MEMORY_PAGES:
            path = write_long_pdf(Path(tmp) / f"long{pages}.pdf", pages)
            command = [sys.executable, "-m", "benchmarks.bench_pdf", "--memory-run", str(path), str(warm)]
            r = json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
            print(
                f"  {pages:4d} pages ({r['mib']:.2f} MiB): peak RSS growth {r['peak_kib'] / 1024:5.1f} MiB = {r['peak_kib'] / pages:5.1f} KiB/page"
                f" (the Document returned: {r['doc_kib'] / pages:4.1f} KiB/page, {r['lines']} lines),"
                f"  {r['seconds']:5.1f} s, {r['seconds'] / pages * 1000:4.0f} ms/page"
            )


def main() -> None:
    if sys.argv[1:2] == ["--memory-run"]:
        print(json.dumps(memory_run(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    accuracy_table()
    throughput()
    memory()


if __name__ == "__main__":
    main()
