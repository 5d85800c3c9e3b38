"""Crops of PDF pages around a value's bbox, the bbox outlined, as PNG files for the review page.

Pages are rendered with pypdfium2 (PDFium, the renderer pdfplumber itself depends on), each page
once however many crops it gives; the outline and the crop are Pillow's. Coordinates are PDF
points from the page's top-left corner, as the provenance columns write them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCALE = 2.0  # pixels per PDF point (144 dpi): small print stays legible
MARGIN = (140.0, 50.0)  # points of context left/right and above/below the value
MAX_WIDTH = 1100  # pixels: a crop of a whole table is scaled down to this
OUTLINE = (220, 30, 30)


@dataclass(frozen=True)
class CropRequest:
    """Crop ``bbox`` of ``page`` (1-based) of document ``doc_id`` into ``name`` (a file name)."""

    name: str
    doc_id: str
    page: int
    bbox: tuple[float, float, float, float]


def bbox_to_window(bbox: tuple[float, float, float, float], width: float, height: float,
                   margin: tuple[float, float] = MARGIN) -> tuple[float, float, float, float]:
    """The rectangle shown around ``bbox``: ``margin`` of context, clamped to the page."""
    x0, top, x1, bottom = bbox
    return (max(0.0, x0 - margin[0]), max(0.0, top - margin[1]), min(width, x1 + margin[0]), min(height, bottom + margin[1]))


def render_crops(requests: Sequence[CropRequest], pdfs: dict[str, bytes], folder: Path) -> dict[str, str]:
    """Write one PNG per request into ``folder``; {name: problem} for the crops not made (a
    page the PDF does not have, a PDF PDFium cannot open)."""
    import pypdfium2 as pdfium

    by_page: dict[tuple[str, int], list[CropRequest]] = defaultdict(list)
    for request in requests:
        by_page[(request.doc_id, request.page)].append(request)
    problems: dict[str, str] = {}
    for doc_id in dict.fromkeys(doc for doc, _ in by_page):
        pages = sorted(page for doc, page in by_page if doc == doc_id)
        try:
            with open_pdf(pdfium, pdfs[doc_id]) as pdf:
                for number in pages:
                    wanted = by_page[(doc_id, number)]
                    if not 1 <= number <= len(pdf):
                        problems.update((r.name, f"the PDF has no page {number}") for r in wanted)
                        continue
                    page_to_crops(pdf[number - 1], wanted, folder)
        except pdfium.PdfiumError as exc:
            problems.update((r.name, f"PDFium cannot render it: {exc}") for p in pages for r in by_page[(doc_id, p)])
    return problems


@contextmanager
def open_pdf(pdfium: Any, data: bytes) -> Iterator[Any]:
    pdf = pdfium.PdfDocument(data)
    try:
        yield pdf
    finally:
        pdf.close()


def page_to_crops(page: Any, requests: Sequence[CropRequest], folder: Path) -> None:
    from PIL import ImageDraw

    width, height = page.get_size()
    image = page.render(scale=SCALE).to_pil().convert("RGB")
    page.close()
    for request in requests:
        window = bbox_to_window(request.bbox, width, height)
        crop = image.crop(tuple(round(v * SCALE) for v in window))
        x0, top, x1, bottom = request.bbox
        outline = [(x0 - window[0]) * SCALE - 3, (top - window[1]) * SCALE - 3, (x1 - window[0]) * SCALE + 3, (bottom - window[1]) * SCALE + 3]
        ImageDraw.Draw(crop).rectangle(outline, outline=OUTLINE, width=3)
        if crop.width > MAX_WIDTH:
            crop = crop.resize((MAX_WIDTH, max(1, round(crop.height * MAX_WIDTH / crop.width))))
        crop.save(folder / request.name, format="PNG", optimize=False)
