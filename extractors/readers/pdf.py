"""PDF inputs via pdfplumber: page by page, words grouped into lines, wide gaps into cells.

Bad PDFs (encrypted with a password, corrupt, zero pages, image-only) become coded failures.
Ruled/borderless table strategies come with the PDF issue; this reader gives every extractor
the same line/cell model the text path gives, with bounding boxes.
"""

from __future__ import annotations

import io
from statistics import median

from schemas.quality import Code

from ..document import BBox, Cell, Document, Line, Page
from . import FileIdentity, ReadFailure

LINE_TOLERANCE = 3.0  # points: words whose tops differ less share a line
CELL_GAP_FACTOR = 1.5  # a gap wider than this many character widths starts a new cell


def pdf_bytes_to_document(data: bytes, source_file: str, identity: FileIdentity) -> Document | ReadFailure:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types for damaged files, wrapped by pdfplumber
        return open_error_to_failure(exc)
    with pdf:
        try:
            pages = pages_of(pdf)
        except Exception as exc:  # damaged page streams
            return ReadFailure(Code.PDF_CORRUPT, f"a page of the PDF cannot be read ({type(exc).__name__})")
    if not pages:
        return ReadFailure(Code.PDF_NO_PAGES, "the PDF has no pages")
    if all(not any(not line.is_blank for line in page.lines) for page in pages):
        return ReadFailure(Code.PDF_NEEDS_OCR, "the PDF has no text layer (scanned images); it needs OCR first", pages=len(pages))
    return Document(
        doc_id=identity.doc_id,
        source_file=source_file,
        sha256=identity.sha256,
        media_type="application/pdf",
        pages=tuple(pages),
    )


def open_error_to_failure(exc: Exception) -> ReadFailure:
    """pdfplumber wraps pdfminer's errors; look through the wrapper for the real cause."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    causes = [exc, *exc.args, exc.__cause__, exc.__context__]
    if any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes):
        return ReadFailure(Code.PDF_ENCRYPTED, "the PDF is encrypted with a password; provide a decrypted copy")
    return ReadFailure(Code.PDF_CORRUPT, "the PDF cannot be parsed; the file may be truncated or damaged")


def pages_of(pdf: object) -> list[Page]:
    """Ruled tables (pdfplumber's line-based finder) give rows of cells, empty cells kept;
    all other text is grouped into lines from word positions. Lines are in reading order."""
    pages: list[Page] = []
    number = 0
    for page in pdf.pages:  # type: ignore[attr-defined]
        clean = page.dedupe_chars()
        tables = clean.find_tables()
        boxes = [t.bbox for t in tables]
        words = [w for w in clean.extract_words() if not any(word_in_box(w, b) for b in boxes)]
        pending: list[tuple[float, list[Cell], BBox]] = []
        for group in words_to_line_groups(words):
            cells, bbox = words_to_cells(group)
            pending.append((bbox.top, cells, bbox))
        for table in tables:
            pending.extend(table_to_rows(table))
        lines = []
        for _, cells, bbox in sorted(pending, key=lambda item: (item[0], item[2].x0)):
            number += 1
            lines.append(Line(text="\t".join(c.text for c in cells), cells=tuple(cells), page=page.page_number, number=number, bbox=bbox))
        pages.append(Page(number=page.page_number, lines=tuple(lines), width=float(page.width), height=float(page.height)))
        page.flush_cache()
    return pages


def word_in_box(word: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def table_to_rows(table: object) -> list[tuple[float, list[Cell], BBox]]:
    """One line per table row; a cell pdfplumber reports as None (covered by a merged cell)
    becomes an empty cell, as in text extractions."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        texts = table_row_texts(table, row)
        cells = [
            Cell(text=text, column=i, bbox=BBox(*box) if box else None)
            for i, (text, box) in enumerate(zip(texts, row.cells))
        ]
        x0, top, x1, bottom = row.bbox
        rows.append((top, cells, BBox(x0, top, x1, bottom)))
    return rows


def table_row_texts(table: object, row: object) -> list[str]:
    page = table.page  # type: ignore[attr-defined]
    texts = []
    for box in row.cells:  # type: ignore[attr-defined]
        if box is None:
            texts.append("")
            continue
        text = page.crop(box, strict=False).extract_text() or ""
        texts.append("".join(text.split()))
    return texts


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
    for prev, word in zip(words, words[1:]):
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
