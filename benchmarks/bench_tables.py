"""PDF tables on real pages: keikaku's reading cost against pdfplumber's on the same pages, and
what camelot's parsers would add as candidate strategies.

Speed: every page of the real corpus (tests/real/, 218 pages of 29 public PDFs), read side by
side in one run: keikaku ``read_document`` (tables by every strategy, text lines, stitching)
against pdfplumber ``extract_tables()`` + ``extract_text()`` on the very same pages. What is
paid once per process (imports, pdfminer's CMaps and fonts on a first document) is timed apart
on a warm-up document and reported separately; the per-page figures are warm.

camelot (when installed; it is no dependency of keikaku): ``CamelotStrategy`` below puts
camelot's lattice, stream and network parsers behind keikaku's ``TableStrategy`` interface. Each is added in turn to keikaku's strategies
(the most confident per region wins, as for ours) and scored on the corpus's keyed pages (keys
right, ``tests.real_corpus``) and on the committed fuzzer PDFs (the family measure,
``tests.layout_fuzzer``), with the time it costs per page. camelot runs only on keyed pages (it
parses the page again, seconds per page with lattice's image pass); the other pages read as
without it.

    python -m benchmarks tables                  # speed and camelot
    python -m benchmarks.bench_tables speed      # one part: speed or camelot
"""

from __future__ import annotations

import io
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import FoundTable, TableCell

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "real"
FLAVORS = ("lattice", "stream", "network")


# --- speed ------------------------------------------------------------------------------------------


def plumber_pages(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()
            page.close()
        return len(pdf.pages)


def speed() -> None:
    from extractors.readers import read_document

    docs = [(p.name, p.read_bytes()) for p in sorted(REAL.glob("*.pdf"))]
    warm_name, warm_data = min(docs, key=lambda d: len(d[1]))
    started = time.perf_counter()
    read_document(warm_data, warm_name)
    plumber_pages(warm_data)
    once = time.perf_counter() - started
    mine = theirs = 0.0
    pages = 0
    rows = []
    for name, data in docs:
        t0 = time.perf_counter()
        read_document(data, name)
        t1 = time.perf_counter()
        n = plumber_pages(data)
        t2 = time.perf_counter()
        mine, theirs, pages = mine + t1 - t0, theirs + t2 - t1, pages + n
        rows.append((name, n, t1 - t0, t2 - t1))
    print(f"reading cost on the real corpus: {len(docs)} PDFs, {pages} pages, one run, side by side")
    print(f"  paid once per process (imports, CMaps; warm-up on {warm_name}): {once:.2f} s, not counted below")
    print(f"  {'document':<52} {'pages':>5} {'keikaku ms/p':>13} {'pdfplumber ms/p':>16} {'ratio':>6}")
    for name, n, k, p in rows:
        print(f"  {name:<52} {n:>5} {1000 * k / n:>13.1f} {1000 * p / n:>16.1f} {k / p:>6.2f}")
    print(f"  {'all':<52} {pages:>5} {1000 * mine / pages:>13.1f} {1000 * theirs / pages:>16.1f} {mine / theirs:>6.2f}")
    print(f"  keikaku read_document is {mine / theirs:.2f}x pdfplumber extract_tables + extract_text (budget 1.5x)")


# --- camelot as candidate strategies ----------------------------------------------------------------


# camelot reads the PDF itself (its own parse of the page), so a page costs a second parse; its
# tables come back in PDF coordinates (origin bottom-left) as a grid of rows and columns, the text
# of a spanning cell in its first slot. ``confidence`` is camelot's parsing-report accuracy scaled
# under the ruled strategy's (a clean ruled grid stays keikaku's). camelot is no dependency of
# keikaku: this adapter lives here, for the comparison, and runs only where camelot is installed.

SCALE = {"lattice": 0.95, "stream": 0.85, "network": 0.85}


class CamelotStrategy:
    """camelot's parser of one flavor behind keikaku's ``TableStrategy`` interface."""

    def __init__(self, flavor: str) -> None:
        self.flavor = flavor
        self.name = f"camelot-{flavor}"

    def may_find(self, page: Any) -> bool:
        return True

    def find_tables(self, page: Any) -> list[FoundTable]:
        import camelot

        data = page_to_pdf_bytes(page)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tables = camelot.read_pdf(data, pages=str(page.page_number), flavor=self.flavor, suppress_stdout=True)
            except Exception:  # noqa: BLE001 -- camelot raises on pages it cannot parse; no table then
                return []
        return [camelot_to_found(t, float(page.height), page.page_number, self.name, SCALE[self.flavor]) for t in tables]


def page_to_pdf_bytes(page: Any) -> bytes:
    stream = page.pdf.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    stream.seek(0)
    return stream.read()


def camelot_to_found(table: Any, height: float, page_number: int, name: str, scale: float) -> FoundTable:
    """A camelot table as a grid of cells, one per slot (rows and columns in page points)."""
    rows = [(height - top, height - bottom) for top, bottom in table.rows]
    cols = list(table.cols)
    cells = []
    for r, (top, bottom) in enumerate(rows):
        for c, (x0, x1) in enumerate(cols):
            text = str(table.cells[r][c].text or "").replace("\n", "").strip()
            cells.append(TableCell(text=text, row=r, column=c, bbox=BBox(x0, top, x1, bottom), page=page_number))
    x0, y0, x1, y1 = table._bbox
    accuracy = float(table.parsing_report.get("accuracy", 0.0)) / 100
    return FoundTable(
        cells=tuple(cells),
        n_rows=len(rows),
        n_columns=len(cols),
        bbox=BBox(x0, height - y1, x1, height - y0),
        strategy=name,
        confidence=round(scale * accuracy, 4),
        pages=(page_number,),
        column_edges=tuple([cols[0][0], *(c[1] for c in cols)]) if cols else (),
    )



class KeyedPages:
    """A strategy run only on the pages a test set keys (camelot costs seconds per page)."""

    def __init__(self, strategy: Any, pages: dict[str, set[int]]) -> None:
        self.strategy, self.pages = strategy, pages
        self.name = strategy.name
        self.seconds = 0.0
        self.calls = 0

    def may_find(self, page: Any) -> bool:
        return True

    def find_tables(self, page: Any) -> list:
        if page.page_number not in self.pages.get(current_document(page), set()):
            return []
        started = time.perf_counter()
        try:
            return self.strategy.find_tables(page)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def current_document(page: Any) -> str:
    return DOCUMENT.get(id(page.pdf.stream), "")


DOCUMENT: dict[int, str] = {}


@contextmanager
def with_strategy(extra: Any | None) -> Iterator[None]:
    from extractors.tables import STRATEGIES

    table = STRATEGIES  # a dict: find_page_tables reads it at each call
    if extra is not None:
        table[extra.name] = extra  # type: ignore[index]
    try:
        yield
    finally:
        if extra is not None:
            del table[extra.name]  # type: ignore[attr-defined]


@contextmanager
def documents_named() -> Iterator[None]:
    """Tell the keyed-pages wrapper which document a pdfplumber page belongs to."""
    import pdfplumber

    opened = pdfplumber.open

    def tracking(stream: Any, *args: Any, **kwargs: Any) -> Any:
        pdf = opened(stream, *args, **kwargs)
        data = stream.getvalue() if isinstance(stream, io.BytesIO) else b""
        DOCUMENT[id(pdf.stream)] = NAMES.get(data, "")
        return pdf

    pdfplumber.open = tracking
    try:
        yield
    finally:
        pdfplumber.open = opened


NAMES: dict[bytes, str] = {}


def corpus_score() -> tuple[int, int]:
    from tests import real_corpus

    real_corpus.extract.cache_clear()
    scores = [real_corpus.score_document(slug) for slug in real_corpus.documents()]
    return real_corpus.summarize(scores)


def fuzz_score() -> tuple[float, int]:
    from tests.layout_fuzzer import FAMILY_MEASURE, SUBSET_DIR, extract_file, form_path, load_rendered, score

    values = []
    for variant, truth, forms in load_rendered(SUBSET_DIR):
        if "pdf" in forms:
            scores = score(variant, extract_file(form_path(SUBSET_DIR, variant.name, "pdf")), "pdf", truth)
            values.append(scores[FAMILY_MEASURE[variant.family]].accuracy)
    return sum(values) / len(values), len(values)


def keyed_pages() -> dict[str, set[int]]:
    from tests import real_corpus

    pages = {f"{slug}.pdf": {k.page for k in real_corpus.load_keys(slug)} for slug in real_corpus.documents()}
    for path in REAL.glob("*.pdf"):
        NAMES[path.read_bytes()] = path.name
    return pages


def fuzz_pages() -> dict[str, set[int]]:
    from tests.layout_fuzzer import SUBSET_DIR

    out = {}
    for path in SUBSET_DIR.glob("*.pdf"):
        NAMES[path.read_bytes()] = path.name
        out[path.name] = set(range(1, 20))
    return out


def camelot_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("camelot") is not None


def camelot(flavors: tuple[str | None, ...] = (None, *FLAVORS)) -> None:
    """Each flavor added in turn to keikaku's strategies (``None``: keikaku alone)."""
    if not camelot_installed():
        print("\ncamelot is not installed (not a dependency of keikaku): the figures recorded when it was measured")
        print(RECORDED)
        return
    pages = {**keyed_pages(), **fuzz_pages()}
    print("\ncamelot as a candidate strategy (most confident per region wins); keys right on the corpus, family measure on the fuzzer PDFs")
    print(f"  {'strategies':<34} {'corpus keys':>14} {'fuzzer PDFs':>12} {'camelot s/page':>15}")
    for flavor in flavors:
        extra = KeyedPages(CamelotStrategy(flavor), pages) if flavor else None
        with documents_named(), with_strategy(extra):
            right, total = corpus_score()
            fuzz, n = fuzz_score()
        cost = f"{extra.seconds / max(extra.calls, 1):.2f}" if extra else "-"
        label = f"keikaku + camelot {flavor}" if flavor else "keikaku (ruled, borderless)"
        print(f"  {label:<34} {right:>5}/{total} {right / total:>6.1%} {fuzz:>11.1%} {cost:>15}", flush=True)


RECORDED = """  recorded (README, Benchmarks): corpus keys right 438/588 alone; + lattice +0, + stream -2, + network -8;
  fuzzer PDFs unchanged (74.8 %) by any flavor. camelot wins on no kind of table."""


def main(parts: list[str] | None = None) -> None:
    """``speed``, ``camelot``, or flavors to add (``keikaku`` for keikaku alone)."""
    wanted = set(parts or ("speed", "camelot"))
    if "speed" in wanted:
        speed()
    flavors = tuple(None if f == "keikaku" else f for f in (*FLAVORS, "keikaku") if f in wanted)
    if "camelot" in wanted or flavors:
        camelot(flavors or (None, *FLAVORS))


if __name__ == "__main__":
    main(sys.argv[1:])
