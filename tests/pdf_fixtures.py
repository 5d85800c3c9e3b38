"""Small PDFs made at test time from known truth with reportlab (Japanese CID font, ruled tables)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def text_block_to_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Split a text extraction into heading lines and tab-separated table rows."""
    headings, rows = [], []
    for line in text.strip("\n").split("\n"):
        (rows if "\t" in line else headings).append(line) if line.strip() else None
    return headings, [line.split("\t") for line in rows]


def write_table_pdf(
    path: Path, headings: list[str], rows: list[list[str]], *, encrypt: object = None, font: str = FONT
) -> Path:
    """A ruled table under its headings, the way an office suite prints one."""
    style = ParagraphStyle("ja", fontName=font, fontSize=10, leading=14)
    width = max(len(r) for r in rows)
    table = Table([r + [""] * (width - len(r)) for r in rows])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    story = [Paragraph(h, style) for h in headings] + [Spacer(1, 10), table]
    SimpleDocTemplate(str(path), pagesize=landscape(A4), encrypt=encrypt).build(story)
    return path


def write_text_pdf(path: Path, pages: list[list[str]]) -> Path:
    """Pages of running text (no ruling, no columns), with a page header and a page number."""
    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    for number, lines in enumerate(pages, start=1):
        c.setFont(FONT, 8)
        c.drawString(40, height - 25, "第2期 連携中枢都市圏ビジョン")
        c.drawString(width / 2, 15, f"- {number} -")
        c.setFont(FONT, 10)
        for i, line in enumerate(lines):
            c.drawString(40, height - 60 - i * 15, line)
        c.showPage()
    c.save()
    return path


def write_image_only_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFillGray(0.3)
    c.rect(100, 100, 300, 400, fill=1, stroke=0)  # a "scan": marks but no text layer
    c.showPage()
    c.save()
    return path


ZERO_PAGE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R/Size 3>>\n%%EOF\n"
)
