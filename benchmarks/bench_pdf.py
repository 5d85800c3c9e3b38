"""PDF tables: keikaku's reader against its peers on the fixtures of known truth, throughput
against raw text extraction, and peak memory on a long generated PDF.

Scores: share of truth cells read right (whitespace and line breaks inside a cell ignored, NFKC
applied; a merged cell's text counts on its first row, as in text extractions). Peers get their
tables' rows in page order, repeated headers included; each truth row is matched to the best of
the next few extracted rows of its width, so a peer is not punished twice for one extra row.

Peers: camelot lattice and stream (``camelot.read_pdf``), pdfplumber's raw ``find_tables`` +
``extract`` (what keikaku builds on). Throughput baselines on the same pages: pdfplumber
``extract_text`` and pypdfium2 ``get_text_range``.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import tracemalloc
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LOOKAHEAD = 4
LONG_PAGES = 300


def norm(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def score_rows(got: list[list[str]], truth: list[list[str]]) -> float:
    """Share of truth cells matched, rows aligned in order."""
    got = [[norm(c) for c in row] for row in got]
    at, right, total = 0, 0, 0
    for row in truth:
        row = [norm(c) for c in row]
        total += len(row)
        window = [(i, sum(a == b for a, b in zip(g, row, strict=False)) if len(g) == len(row) else -1) for i, g in enumerate(got[at : at + LOOKAHEAD], start=at)]
        if window:
            best, matched = max(window, key=lambda w: w[1])
            if matched > 0:
                right += matched
                at = best + 1
    return right / total if total else 0.0


# --- readers: path -> rows of cells --------------------------------------------------------------


def keikaku_rows(path: Path, width: int) -> list[list[str]]:
    from extractors.readers import read_document

    doc = read_document(path.read_bytes(), path.name)
    return [line.cell_texts() for line in doc.lines() if len(line.cells) == width]  # type: ignore[union-attr]


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
    "camelot-lattice": camelot_rows("lattice"),
    "camelot-stream": camelot_rows("stream"),
}


def accuracy_table() -> None:
    print(f"{'fixture':<62} {'layout':<10} " + " ".join(f"{n:>15}" for n in READERS))
    for truth_path in sorted(FIXTURES.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        pdf = truth_path.with_suffix(".pdf")
        width = len(truth["rows"][0])
        scores = []
        for read in READERS.values():
            try:
                scores.append(f"{score_rows(read(pdf, width), truth['rows']):>14.2%}")
            except Exception as exc:  # noqa: BLE001 - a peer failing on a fixture is a result, not a crash
                scores.append(f"{'error ' + type(exc).__name__[:8]:>15}")
        print(f"{truth_path.stem:<62} {truth['layout']:<10} " + " ".join(f"{s:>15}" for s in scores))


# --- throughput ----------------------------------------------------------------------------------


def seconds(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def throughput() -> None:
    import pdfplumber
    import pypdfium2

    from extractors.readers import read_document

    pdfs = sorted(FIXTURES.glob("*.pdf"))
    datas = [p.read_bytes() for p in pdfs]
    pages = sum(len(pypdfium2.PdfDocument(d)) for d in datas)

    def keikaku() -> None:
        for p, d in zip(pdfs, datas, strict=False):
            read_document(d, p.name)

    def plumber_text() -> None:
        for d in datas:
            with pdfplumber.open(io.BytesIO(d)) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.close()

    def plumber_words() -> None:
        for d in datas:
            with pdfplumber.open(io.BytesIO(d)) as pdf:
                for page in pdf.pages:
                    page.dedupe_chars().extract_words()
                    page.close()

    def pdfium_text() -> None:
        for d in datas:
            doc = pypdfium2.PdfDocument(d)
            for page in doc:
                page.get_textpage().get_text_range()
            doc.close()

    k, t, w, f = seconds(keikaku), seconds(plumber_text), seconds(plumber_words), seconds(pdfium_text)
    print(f"\nthroughput on {len(pdfs)} fixtures, {pages} pages (best of 3)")
    print(f"  keikaku read_document        {k * 1000:8.1f} ms  {pages / k:7.1f} pages/s")
    print(f"  pdfplumber extract_text      {t * 1000:8.1f} ms  {pages / t:7.1f} pages/s   keikaku is {k / t:.1f}x its time")
    print(f"  pdfplumber dedupe+words      {w * 1000:8.1f} ms  {pages / w:7.1f} pages/s   keikaku is {k / w:.1f}x its time")
    print(f"  pypdfium2 get_text_range     {f * 1000:8.1f} ms  {pages / f:7.1f} pages/s   keikaku is {k / f:.1f}x its time")


# --- memory on a long PDF -------------------------------------------------------------------------


def write_long_pdf(path: Path, pages: int) -> Path:
    """Alternating pages: a ruled participation-like table, then a page of running text."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    from tests.pdf_fixtures import FONT

    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    for p in range(pages):
        c.setFont(FONT, 8)
        c.drawString(40, height - 25, "連携中枢都市圏において連携する取組一覧")
        c.drawString(width / 2, 15, f"- {p + 1} -")
        if p % 2 == 0:
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


def memory() -> None:
    from extractors.readers import read_document

    print()
    with tempfile.TemporaryDirectory() as tmp:
        for pages in (30, LONG_PAGES):
            data = write_long_pdf(Path(tmp) / f"long{pages}.pdf", pages).read_bytes()
            tracemalloc.start()
            started = time.perf_counter()
            doc = read_document(data, "long.pdf")
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            lines = len(doc.lines())  # type: ignore[union-attr]
            print(f"{pages:4d}-page generated PDF ({len(data) / 2**20:.1f} MiB): peak traced memory {peak / 2**20:6.1f} MiB, {peak / pages / 1024:6.1f} KiB/page, {elapsed:.1f} s, {lines} lines")


def main() -> None:
    accuracy_table()
    throughput()
    memory()


if __name__ == "__main__":
    main()
