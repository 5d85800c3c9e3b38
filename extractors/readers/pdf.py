"""PDF inputs via pdfplumber: page by page, tables by strategy, other words grouped into lines.

Bad PDFs (encrypted with a password, corrupt, zero pages, image-only) become coded failures.
Tables come from ``extractors.tables`` (ruled grids, word alignment; the most confident per
region); this reader gives every extractor the same line/cell model the text path gives, with
bounding boxes and the spans of merged cells.

Cost: pdfminer's parse of a page is most of it. A page no strategy can find a table on takes
the text route (words only, about pdfplumber ``extract_text``'s cost); pypdfium2 would be
cheaper still but reads other characters than pdfminer on some pages (``benchmarks.bench_pdf``
counts them), so its lines would differ. Pages are read one at a time and released, so memory
grows with the lines returned, not with the pages parsed.
"""

from __future__ import annotations

import functools
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from itertools import groupby
from statistics import median

from extractors.model.document import BBox, Cell, Document, Line, Page, TextBlock
from extractors.model.table import RowSource, Table, TableCell
from extractors.readers import FileIdentity, ReadFailure
from extractors.readers.columns import gutter_of, reading_order, split_at_gutter
from extractors.tables import FoundTable, find_page_tables, may_hold_tables, stitch, tables_continue
from extractors.tables.base import chars_to_text
from extractors.tables.stitch import complete_header, header_completer, header_lender, lend_header
from extractors.tables.text import parts_to_items
from schemas.quality import Code

LINE_TOLERANCE = 3.0  # points: words whose tops differ less share a line
MAX_LINES_UNDER = 2  # lines under a table continued on the next page: a page number, a running footer
DEDUPE_TOLERANCE = 1.0  # points: the same glyph drawn again this close is fake bold (pdfplumber's default)
CAPTION_GAP = 1.5  # a caption sits within this many of its own line heights above its table
CELL_GAP_FACTOR = 1.5  # a gap wider than this many character widths starts a new cell
MARGIN_BAND = 0.08  # share of the page height, top and bottom, where running headers/footers live
PAGE_NUMBER_RE = re.compile(r"^(?:[-‐－―—–]\s*\d{1,4}\s*[-‐－―—–]|\d{1,4}(?:\s*/\s*\d{1,4})?|[Pp]\.?\s*\d{1,4})$")


def pdf_bytes_to_document(data: bytes, source_file: str, identity: FileIdentity) -> Document | ReadFailure:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 -- pdfminer raises many types for damaged files, wrapped by pdfplumber
        return stream_failure(exc) or open_error_to_failure(exc)
    # Not ``pdf.close()``: it builds every page object only to close it, and the stream is
    # this function's in-memory buffer, freed with ``pdf``.
    try:
        pages, items = pages_of(pdf)
    except Exception as exc:  # noqa: BLE001 -- damaged page streams
        return stream_failure(exc) or ReadFailure(Code.PDF_CORRUPT, f"a page of the PDF cannot be read ({type(exc).__name__})")
    if not pages:
        return ReadFailure(Code.PDF_NO_PAGES, "the PDF has no pages")
    if all(not any(not line.is_blank for line in page.lines) for page in pages):
        return ReadFailure(Code.PDF_NEEDS_OCR, "the PDF has no text layer (scanned images); it needs OCR first", pages=len(pages))
    if text_is_unmapped(line.text for page in pages for line in page.lines):
        message = "the PDF's fonts map their glyphs to no characters (the text layer reads (cid:N)); it needs OCR first"
        return ReadFailure(Code.PDF_TEXT_UNMAPPED, message, pages=len(pages))
    return Document(
        doc_id=identity.doc_id,
        source_file=source_file,
        sha256=identity.sha256,
        media_type="application/pdf",
        pages=tuple(pages),
        items=items,
    )


CID_RE = re.compile(r"\(cid:\d+\)")


def text_is_unmapped(texts: Iterable[str]) -> bool:
    """Most of the text layer is glyph ids that no font maps to a character: pdfminer writes
    ``(cid:2961)`` for each; a few (a symbol font's bullets) among real text are no matter."""
    unmapped = mapped = 0
    for text in texts:
        unmapped += len(CID_RE.findall(text))
        mapped += len(CID_RE.sub("", text).replace(" ", "").replace("\t", ""))
    return unmapped > mapped


def open_error_to_failure(exc: Exception) -> ReadFailure:
    """pdfplumber wraps pdfminer's errors; look through the wrapper for the real cause."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    causes = [exc, *exc.args, exc.__cause__, exc.__context__]
    if any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes):
        return ReadFailure(Code.PDF_ENCRYPTED, "the PDF is encrypted with a password; provide a decrypted copy")
    return ReadFailure(Code.PDF_CORRUPT, "the PDF cannot be parsed; the file may be truncated or damaged")


# --- inflated stream cap: a decompression bomb stops at the limit, not after inflating whole ---

_STREAM_LIMIT: ContextVar[int | None] = ContextVar("keikaku_pdf_stream_limit", default=None)


class StreamTooLarge(Exception):
    """A PDF stream inflates to more than the limit set by ``stream_limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a PDF stream inflates to more than {limit} bytes")
        self.limit = limit


@contextmanager
def stream_limit(max_bytes: int | None) -> Iterator[None]:
    """Inside this block no PDF stream may inflate to more than ``max_bytes`` (None: no limit);
    pdfminer inflates a stream whole, so the check runs while inflating (Flate, LZW) and after
    every other filter."""
    _install_stream_cap()
    token = _STREAM_LIMIT.set(max_bytes)
    try:
        yield
    finally:
        _STREAM_LIMIT.reset(token)


def stream_failure(exc: BaseException) -> ReadFailure | None:
    """The ``stream-limit`` failure when ``exc`` (or what pdfplumber wrapped in it) is a
    ``StreamTooLarge``."""
    for cause in (exc, *getattr(exc, "args", ()), exc.__cause__, exc.__context__):
        if isinstance(cause, StreamTooLarge):
            mb = cause.limit / (1024 * 1024)
            return ReadFailure(Code.STREAM_LIMIT, f"a stream of the PDF inflates to more than {mb:g} MB (--stream-limit); "
                               "a decompression bomb or a damaged file")
    return None


def _check_size(size: int) -> None:
    limit = _STREAM_LIMIT.get()
    if limit is not None and size > limit:
        raise StreamTooLarge(limit)


class _CappedInflater:
    """``zlib.decompressobj()`` counting what it has inflated (pdfminer's corrupted-stream path)."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj()
        self._size = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._inflater.decompress(data, max_length)
        self._size += len(out)
        _check_size(self._size)
        return out

    def __getattr__(self, name: str) -> object:
        return getattr(self._inflater, name)


class _CappedZlib:
    """The ``zlib`` module as ``pdfminer.pdftypes`` sees it: inflating stops past the limit."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes) -> bytes:
        limit = _STREAM_LIMIT.get()
        if limit is None:
            return zlib.decompress(data)
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit:
            raise StreamTooLarge(limit)
        if not inflater.eof:  # zlib.decompress raises here too: pdfminer then tries its corrupted-stream path
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj() -> _CappedInflater:
        return _CappedInflater()

    def __getattr__(self, name: str) -> object:
        return getattr(zlib, name)


def _capped_lzwdecode(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    size, parts = 0, []
    for part in LZWDecoder(io.BytesIO(data)).run():
        size += len(part)
        _check_size(size)
        parts.append(part)
    return b"".join(parts)


@functools.cache
def _install_stream_cap() -> None:
    """Once per process: pdfminer's inflating goes through the capped versions above, and every
    decoded stream (after RunLength, ASCII85, predictors ...) is checked against the limit.
    Without a limit set they behave exactly as pdfminer's own."""
    from pdfminer import pdftypes

    pdftypes.zlib = _CappedZlib()  # type: ignore[assignment]
    pdftypes.lzwdecode = _capped_lzwdecode
    decode = pdftypes.PDFStream.decode

    def capped_decode(self: pdftypes.PDFStream) -> None:
        decode(self)
        _check_size(len(self.data or b""))

    pdftypes.PDFStream.decode = capped_decode  # type: ignore[method-assign]


@dataclass(frozen=True)
class TextItem:
    """A line of text outside tables, as cells split at wide gaps."""

    cells: tuple[Cell, ...]
    bbox: BBox
    page: int


Item = TextItem | FoundTable


def pages_of(pdf: object) -> tuple[list[Page], tuple[TextBlock | Table, ...]]:
    """Page by page (one pdfplumber page alive at a time, its parse freed before the next):
    tables by the most confident strategy (``extractors.tables``), other text grouped into
    lines from word positions. Then running headers/footers are dropped, tables continued over
    pages stitched (repeated header rows dropped) and every table row becomes one line of cells,
    a merged cell's text on its first row and empty cells in the slots it covers."""
    items: list[Item] = []
    sizes: dict[int, tuple[float, float]] = {}
    for page in stream_pages(pdf):
        sizes[page.page_number] = (float(page.width), float(page.height))
        items.extend(page_to_items(page))
        release_page(pdf, page)
    items = drop_running_lines(items, sizes)
    items = stitch_continued_tables(items)
    return items_to_document(items, sizes)


def stream_pages(pdf: object) -> Iterator[object]:
    """The pages one by one, as ``pdf.pages`` makes them; ``pdf.pages`` keeps a list of every
    page (and so every page's content stream) until the file is closed."""
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page as PlumberPage

    doctop = 0.0
    for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):  # type: ignore[attr-defined]
        page = PlumberPage(pdf, page_obj, page_number=number, initial_doctop=doctop)  # type: ignore[arg-type]
        doctop += page.height
        yield page


def release_page(pdf: object, page: object) -> None:
    """Free a page once read. pdfminer caches every object it resolves, so each page's decoded
    content stream would otherwise stay for the whole document (memory growing with page
    count). Dropping them from the cache is safe: a stream asked for again is parsed again."""
    page.close()  # type: ignore[attr-defined]
    cache = getattr(pdf.doc, "_cached_objs", None)  # type: ignore[attr-defined]
    if isinstance(cache, dict):
        for stream in page.page_obj.contents:  # type: ignore[attr-defined]
            cache.pop(getattr(stream, "objid", None), None)


def page_to_items(page: object, *, text_route: bool = True) -> list[Item]:
    """Tables and text lines of one page. A page no strategy can find a table on (no ruling,
    no aligned columns: running text) takes the text route, words only; ``text_route=False``
    forces the finders (the text route must give the same lines)."""
    clean = page_without_duplicate_glyphs(page)
    tables = find_page_tables(clean) if not text_route or may_hold_tables(clean) else []
    words = clean.extract_words()  # type: ignore[attr-defined]
    if tables:
        words = [w for w in words if not any(word_in_box(w, t.bbox) for t in tables)]
        tables, words = absorb_clipped_overflow(tables, words)
        tables = [replace(t, caption=words_to_caption(words, t.bbox)) for t in tables]
    lines = words_to_line_groups(words)
    gutter = gutter_of(lines, float(page.width))  # type: ignore[attr-defined]
    if gutter is not None:
        lines = split_at_gutter(lines, gutter)
    items: list[Item] = [
        TextItem(cells=tuple(cells), bbox=bbox, page=page.page_number)  # type: ignore[attr-defined]
        for cells, bbox in map(words_to_cells, lines)
    ]
    items.extend(tables)
    return [items[k] for k in reading_order([(i.bbox.x0, i.bbox.top, i.bbox.x1, i.bbox.bottom) for i in items], gutter)]


def page_without_duplicate_glyphs(page: object) -> object:
    """The page itself when no glyph is drawn twice, else the page without the copies."""
    chars = page.chars  # type: ignore[attr-defined]
    unique = dedupe_chars(chars)
    if len(unique) == len(chars):
        return page
    keep = {id(c) for c in unique}
    return page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep)  # type: ignore[attr-defined]


def dedupe_chars(chars: Sequence[dict], tolerance: float = DEDUPE_TOLERANCE) -> list[dict]:
    """pdfplumber's ``dedupe_chars`` (same glyph, font and size; position chained within
    ``tolerance``, first by ``doctop`` then ``x0``; the top-left copy kept), in page order.
    Its own version restores the order with ``list.index``, quadratic in the page's characters."""
    def key(i: int) -> tuple:
        c = chars[i]
        return (c["upright"], c["text"], c["fontname"], c["size"])

    keep: list[int] = []
    for _, group in groupby(sorted(range(len(chars)), key=key), key=key):
        members = list(group)
        if len(members) == 1:
            keep += members
            continue
        for rows in chain_clusters(members, lambda i: chars[i]["doctop"], tolerance):
            for cluster in chain_clusters(rows, lambda i: chars[i]["x0"], tolerance):
                keep.append(min(cluster, key=lambda i: (chars[i]["doctop"], chars[i]["x0"], i)))
    return [chars[i] for i in sorted(keep)]


def chain_clusters(indices: list[int], value: Callable[[int], float], tolerance: float) -> list[list[int]]:
    """Indices grouped where their sorted values step by at most ``tolerance`` (pdfplumber's
    ``cluster_objects``), each group in index order."""
    ordered = sorted(indices, key=value)
    groups: list[list[int]] = [[ordered[0]]]
    for prev, i in zip(ordered, ordered[1:], strict=False):
        if value(i) <= value(prev) + tolerance:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [sorted(g) for g in groups]


def absorb_clipped_overflow(tables: list[FoundTable], words: list[dict]) -> tuple[list[FoundTable], list[dict]]:
    """Office suites draw the label of a merged cell cut by a page break at the middle of the
    whole cell, so on the first page it lands below the table (clipped, but still in the text
    layer). Words below a table that sit inside the columns of an empty merged cell of its last
    row are that cell's label."""
    out = []
    for table in tables:
        open_cells = [c for c in table.cells if c.row + c.row_span == table.n_rows and c.row_span > 1 and not c.text]
        for cell in open_cells:
            mine = [w for w in words if w["top"] >= table.bbox.bottom and cell.bbox.x0 <= (w["x0"] + w["x1"]) / 2 <= cell.bbox.x1]
            mine = [w for w in mine if w["x0"] >= cell.bbox.x0 - 1 and w["x1"] <= cell.bbox.x1 + 1]
            if not mine:
                continue
            words = [w for w in words if not any(w is m for m in mine)]
            table = table.with_cells([replace(c, text=chars_to_text(mine)) if c is cell else c for c in table.cells])
        out.append(table)
    return out, words


def item_page(item: Item) -> int:
    return item.page if isinstance(item, TextItem) else item.pages[-1]


def drop_running_lines(items: list[Item], sizes: dict[int, tuple[float, float]]) -> list[Item]:
    """Page headers and footers: text lines in the top or bottom margin band that are page
    numbers, or that repeat (digits aside) on two or more pages."""
    def in_margin(item: TextItem) -> bool:
        height = sizes[item.page][1]
        return item.bbox.bottom < MARGIN_BAND * height or item.bbox.top > (1 - MARGIN_BAND) * height

    def key(item: TextItem) -> str:
        return re.sub(r"\d+", "#", "".join(c.text for c in item.cells))

    margin = [i for i in items if isinstance(i, TextItem) and in_margin(i)]
    pages_by_key: dict[str, set[int]] = {}
    for item in margin:
        pages_by_key.setdefault(key(item), set()).add(item.page)
    running = {k for k, pages in pages_by_key.items() if len(pages) >= 2}
    drop = {id(i) for i in margin if key(i) in running or PAGE_NUMBER_RE.match("".join(c.text for c in i.cells))}
    return [i for i in items if id(i) not in drop]


def stitch_continued_tables(items: list[Item]) -> list[Item]:
    """A table that opens a page and continues the table that closed an earlier page (same
    columns) is joined to it. Between the two there may only be lines printed again at the
    page break: page numbers, and lines printed before already (the table's title repeated
    over its continuation, a running footer above the margin band); those are dropped. More
    than ``MAX_LINES_UNDER`` of them under the first part is a section of its own (a document
    that prints the same headings under one small table per page), not a page break."""
    out: list[Item] = []
    seen: dict[str, set[int]] = {}
    for item in items:
        if isinstance(item, FoundTable):
            k = last_table_index(out)
            between = out[k + 1 :] if k is not None else []
            prev = out[k] if k is not None else None
            if (
                isinstance(prev, FoundTable)
                and item_page(prev) < item.pages[0]
                and sum(item_page(i) == item_page(prev) for i in between) <= MAX_LINES_UNDER
                and all(isinstance(i, TextItem) and is_reprinted(i, seen, prev) for i in between)
                and tables_continue(prev, item)
            ):
                del out[k + 1 :]
                out[k] = stitch(prev, item)
                continue
            near = [t for t in out if isinstance(t, FoundTable) and item.pages[0] - item_page(t) <= 1]
            if (lender := header_lender(item, near)) is not None:
                item = lend_header(lender, item)
            elif (completer := header_completer(item, near)) is not None:
                item = complete_header(completer, item)
        out.append(item)
        if isinstance(item, TextItem):
            seen.setdefault(reprint_key(item), set()).add(item_page(item))
    return out


def last_table_index(items: Sequence[Item]) -> int | None:
    return next((k for k in range(len(items) - 1, -1, -1) if isinstance(items[k], FoundTable)), None)


def reprint_key(item: TextItem) -> str:
    return re.sub(r"\d+", "#", "".join(c.text for c in item.cells))


def is_reprinted(item: TextItem, seen: dict[str, set[int]], table: FoundTable) -> bool:
    """A page number, a line printed already on a page the table spans (a heading printed
    earlier in the document, over another table, is a new section's), or text of the table's
    own cells (the clipped label of a merged cell cut by the page break)."""
    text = "".join(c.text for c in item.cells)
    if PAGE_NUMBER_RE.match(text) or seen.get(reprint_key(item), set()) & set(table.pages):
        return True
    return len(text) > 1 and any(text in c.text for c in table.cells)


def items_to_document(items: list[Item], sizes: dict[int, tuple[float, float]]) -> tuple[list[Page], tuple[TextBlock | Table, ...]]:
    """Pages of numbered lines (a table row is one line of cells, a merged cell's text on its
    first row and empty cells in the slots it covers) and the document's items: every table a
    strategy found is one ``Table``; the text lines between them are text blocks (runs of lines
    with cells at wide gaps may still be tables: ``extractors.tables.text``)."""
    by_page: dict[int, list[tuple[tuple[Cell, ...], BBox]]] = {n: [] for n in sizes}
    placed: list[tuple[Item, list[tuple[int, int]]]] = []  # item, (page, index in by_page) of its lines
    for item in items:
        if isinstance(item, TextItem):
            by_page[item.page].append((item.cells, item.bbox))
            placed.append((item, [(item.page, len(by_page[item.page]) - 1)]))
            continue
        page = item.pages[0]
        where = []
        for row in range(item.n_rows):
            starts = [c for c in item.row_cells(row) if c is not None]
            page = min((c.page for c in starts), default=page)
            by_page[page].append((table_row_to_cells(item, row), item.row_bbox(row)))
            where.append((page, len(by_page[page]) - 1))
        placed.append((item, where))
    pages, number, numbers = [], 0, {}
    for page_no, (width, height) in sizes.items():
        lines = []
        for k, (cells, bbox) in enumerate(by_page[page_no]):
            number += 1
            numbers[(page_no, k)] = number
            lines.append(Line(text="\t".join(c.text for c in cells), cells=cells, page=page_no, number=number, bbox=bbox))
        pages.append(Page(number=page_no, lines=tuple(lines), width=width, height=height))
    by_number = {line.number: line for page in pages for line in page.lines}
    parts: list[list[Line] | Table] = []
    for item, where in placed:
        lines = [by_number[numbers[w]] for w in where]
        if isinstance(item, TextItem):
            if parts and isinstance(parts[-1], list):
                parts[-1].extend(lines)
            else:
                parts.append(lines)
        else:
            parts.append(found_to_table(item, lines))
    return pages, parts_to_items(parts)


def table_row_to_cells(table: FoundTable, row: int) -> tuple[Cell, ...]:
    """One cell per column; a slot covered by a merged cell is an empty cell, as in text
    extractions; the merged cell itself carries its span."""
    return tuple(
        Cell(text=c.text, column=i, bbox=c.bbox, row_span=c.row_span, col_span=c.col_span) if c is not None else Cell(text="", column=i)
        for i, c in enumerate(table.row_cells(row))
    )


def found_to_table(found: FoundTable, lines: Sequence[Line]) -> Table:
    """A table a strategy found, with the document lines its rows became."""
    cells = tuple(
        TableCell(text=c.text, row=c.row, column=c.column, row_span=c.row_span, col_span=c.col_span, page=c.page, bbox=c.bbox, line=lines[c.row].number)
        for c in found.cells
    )
    rows = tuple(RowSource(page=line.page, first_line=line.number, last_line=line.number, bbox=line.bbox) for line in lines)
    return Table(cells=cells, n_rows=found.n_rows, n_columns=found.n_columns, strategy=found.strategy, confidence=found.confidence, rows=rows, caption=found.caption)


def words_to_caption(words: list[dict], box: BBox) -> str:
    """The words of the line just above a table (within about a line's height) that are printed
    over its columns: two tables side by side under one line of captions (``○居住地  ○世帯構成``)
    each get their own, which reading order alone would give as one line to both."""
    above = [w for w in words if w["bottom"] <= box.top + LINE_TOLERANCE and box.top - w["bottom"] <= CAPTION_GAP * (w["bottom"] - w["top"])]
    if not above:
        return ""
    nearest = max(w["bottom"] for w in above)
    line = sorted((w for w in above if nearest - w["bottom"] <= LINE_TOLERANCE), key=lambda w: w["x0"])
    over = [w for w in line if box.x0 - LINE_TOLERANCE <= (w["x0"] + w["x1"]) / 2 <= box.x1]
    return " ".join(w["text"] for w in over)


def word_in_box(word: dict, box: BBox) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box.x0 <= cx <= box.x1 and box.top <= cy <= box.bottom


def words_to_line_groups(words: list[dict]) -> list[list[dict]]:
    groups: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if groups and abs(groups[-1][0]["top"] - word["top"]) <= LINE_TOLERANCE:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(g, key=lambda w: w["x0"]) for g in groups]


def words_to_cells(words: list[dict]) -> tuple[list[Cell], BBox]:
    char_width = median((w["x1"] - w["x0"]) / max(len(w["text"]), 1) for w in words)
    cells: list[list[dict]] = [[words[0]]]
    for prev, word in zip(words, words[1:], strict=False):
        if word["x0"] - prev["x1"] > CELL_GAP_FACTOR * char_width:
            cells.append([word])
        else:
            cells[-1].append(word)
    cell_objs = [
        Cell(
            text="".join(w["text"] for w in group),
            column=i,
            bbox=BBox(group[0]["x0"], min(w["top"] for w in group), group[-1]["x1"], max(w["bottom"] for w in group)),
        )
        for i, group in enumerate(cells)
    ]
    bbox = BBox(words[0]["x0"], min(w["top"] for w in words), words[-1]["x1"], max(w["bottom"] for w in words))
    return cell_objs, bbox
