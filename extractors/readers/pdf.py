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
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        return ReadFailure(Code.PDF_ENCRYPTED, "the PDF is encrypted with a password; provide a decrypted copy")
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many types for damaged files
        if "password" in str(exc).lower() or type(exc).__name__ == "PDFEncryptionError":
            return ReadFailure(Code.PDF_ENCRYPTED, "the PDF is encrypted and cannot be opened without a password")
        return ReadFailure(Code.PDF_CORRUPT, f"the PDF cannot be parsed ({type(exc).__name__}); the file may be truncated or damaged")
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


def pages_of(pdf: object) -> list[Page]:
    pages: list[Page] = []
    number = 0
    for page in pdf.pages:  # type: ignore[attr-defined]
        words = page.dedupe_chars().extract_words(keep_blank_chars=False, use_text_flow=False)
        lines = []
        for group in words_to_line_groups(words):
            number += 1
            lines.append(words_to_line(group, page.page_number, number))
        pages.append(Page(number=page.page_number, lines=tuple(lines), width=float(page.width), height=float(page.height)))
        page.flush_cache()
    return pages


def words_to_line_groups(words: list[dict]) -> list[list[dict]]:
    groups: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if groups and abs(groups[-1][0]["top"] - word["top"]) <= LINE_TOLERANCE:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(g, key=lambda w: w["x0"]) for g in groups]


def words_to_line(words: list[dict], page_number: int, number: int) -> Line:
    char_width = median((w["x1"] - w["x0"]) / max(len(w["text"]), 1) for w in words)
    cells: list[list[dict]] = [[words[0]]]
    for prev, word in zip(words, words[1:]):
        if word["x0"] - prev["x1"] > CELL_GAP_FACTOR * char_width:
            cells.append([word])
        else:
            cells[-1].append(word)
    cell_objs = tuple(
        Cell(
            text="".join(w["text"] for w in group),
            column=i,
            bbox=BBox(group[0]["x0"], min(w["top"] for w in group), group[-1]["x1"], max(w["bottom"] for w in group)),
        )
        for i, group in enumerate(cells)
    )
    bbox = BBox(words[0]["x0"], min(w["top"] for w in words), words[-1]["x1"], max(w["bottom"] for w in words))
    return Line(text="\t".join(c.text for c in cell_objs), cells=cell_objs, page=page_number, number=number, bbox=bbox)
