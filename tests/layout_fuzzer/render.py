"""Rendering a sheet: flat ODS for LibreOffice, a reportlab drawing without rules, the text forms,
and many variants at once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

from tests.layout_fuzzer.sheet import MARGIN, TITLE_ROW, Sheet, SheetCell, body_room, table_to_sheet, wrap_text
from tests.layout_fuzzer.variants import Variant

# --- flat ODS for LibreOffice ------------------------------------------------------------------------------------

FODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:font-face-decls><style:font-face style:name="IPAGothic" svg:font-family="IPAGothic"/></office:font-face-decls>
<office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name="IPAGothic" style:font-name-asian="IPAGothic" fo:font-size="{font}pt" style:font-size-asian="{font}pt"/></style:default-style></office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{w}cm" fo:page-height="{h}cm" style:print-orientation="{orient}" fo:margin-top="{m}cm" fo:margin-bottom="{m}cm" fo:margin-left="1.2cm" fo:margin-right="1.2cm" style:print="objects charts drawings" style:print-page-order="ttb"/>
<style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.3cm"/></style:header-style>
<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.3cm"/></style:footer-style></style:page-layout>
<style:style style:name="ta1" style:family="table" style:master-page-name="mp1"><style:table-properties table:display="true"/></style:style>
<style:style style:name="cet" style:family="table-cell"><style:table-cell-properties fo:border="none"/><style:text-properties fo:font-size="11pt" style:font-size-asian="11pt"/></style:style>
{styles}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="mp1" style:page-layout-name="pm1">
<style:header><style:region-right><text:p>{running}</text:p></style:region-right></style:header>
<style:footer><text:p>- <text:page-number>1</text:page-number> -</text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:spreadsheet><table:table table:name="Sheet1" table:style-name="ta1">
"""
LINE = "0.5pt solid #000000"
SIDES = {"t": "top", "b": "bottom", "l": "left", "r": "right"}
TEXT_ALIGN = {"left": "start", "center": "center", "right": "end"}


def cell_style_xml(name: str, cell: SheetCell, ruled: bool) -> str:
    borders = " ".join(f'fo:border-{side}="{LINE if ruled and s in cell.borders else "none"}"' for s, side in SIDES.items())
    vertical = {"stacked": ' style:direction="ttb"', "rotated": ' style:rotation-angle="90"', "": ""}[cell.vertical]
    return (
        f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties {borders} fo:wrap-option="wrap"'
        f' style:vertical-align="{cell.valign}"{vertical}/><style:paragraph-properties fo:text-align="{TEXT_ALIGN[cell.halign]}"/></style:style>'
    )


def row_style_xml(name: str, height: float, page_break: bool) -> str:
    brk = ' fo:break-before="page"' if page_break else ""
    return (
        f'<style:style style:name="{name}" style:family="table-row"><style:table-row-properties style:row-height="{height}cm"{brk}'
        ' style:use-optimal-row-height="false"/></style:style>'
    )


def style_key(cell: SheetCell) -> tuple:
    return (cell.valign, cell.halign, cell.vertical, cell.borders)


def sheet_to_fods(sheet: Sheet) -> str:
    """Flat ODS: title rows, header rows (repeated per page if asked), body with merges and
    manual row breaks; every distinct cell, row and column format gets one automatic style."""
    cell_styles = {key: f"ce{i}" for i, key in enumerate(sorted({style_key(c) for c in sheet.cells}))}
    row_styles = {key: f"ro{i}" for i, key in enumerate(sorted({(h, r in sheet.breaks) for r, h in enumerate(sheet.heights)}))}
    col_styles = {w: f"co{i}" for i, w in enumerate(sorted(set(sheet.widths)))}
    styles = [cell_style_xml(name, next(c for c in sheet.cells if style_key(c) == key), sheet.ruled) for key, name in cell_styles.items()]
    styles += [row_style_xml(name, h, brk) for (h, brk), name in row_styles.items()]
    styles += [f'<style:style style:name="{n}" style:family="table-column"><style:table-column-properties style:column-width="{w}cm"/></style:style>' for w, n in col_styles.items()]
    styles.append(f'<style:style style:name="rot" style:family="table-row"><style:table-row-properties style:row-height="{TITLE_ROW}cm" style:use-optimal-row-height="false"/></style:style>')
    page = sheet.page
    out = [FODS_HEAD.format(font=page.font, w=page.width, h=page.height, m=MARGIN, orient="landscape" if page.width > page.height else "portrait",
                            styles="\n".join(styles), running=escape(sheet.running))]
    out += [f'<table:table-column table:style-name="{col_styles[w]}"/>' for w in sheet.widths]
    out += [f'<table:table-row table:style-name="rot"><table:table-cell table:style-name="cet" office:value-type="string"><text:p>{escape(t)}</text:p></table:table-cell></table:table-row>' for t in sheet.title]
    out.append('<table:table-row table:style-name="rot"><table:table-cell/></table:table-row>')
    anchors = {(c.row, c.col): c for c in sheet.cells}
    covered = {(c.row + i, c.col + j) for c in sheet.cells for i in range(c.row_span) for j in range(c.col_span) if (i, j) != (0, 0)}
    for r in range(sheet.n_rows):
        if r == 0 and sheet.repeat_header:
            out.append("<table:table-header-rows>")
        out.append(f'<table:table-row table:style-name="{row_styles[(sheet.heights[r], r in sheet.breaks)]}">')
        for c in range(len(sheet.widths)):
            out.append(fods_cell(anchors.get((r, c)), (r, c) in covered, cell_styles))
        out.append("</table:table-row>")
        if r == sheet.header_rows - 1 and sheet.repeat_header:
            out.append("</table:table-header-rows>")
    out.append("</table:table></office:spreadsheet></office:body></office:document>\n")
    return "\n".join(out)


def fods_cell(cell: SheetCell | None, covered: bool, styles: dict[tuple, str]) -> str:
    if covered:
        return "<table:covered-table-cell/>"
    if cell is None:
        return "<table:table-cell/>"
    spans = (f' table:number-rows-spanned="{cell.row_span}"' if cell.row_span > 1 else "") + (
        f' table:number-columns-spanned="{cell.col_span}"' if cell.col_span > 1 else "")
    body = "".join(f"<text:p>{escape(line)}</text:p>" for line in cell.text.split("\n")) if cell.text else ""
    return f'<table:table-cell table:style-name="{styles[style_key(cell)]}" office:value-type="string"{spans}>{body}</table:table-cell>'


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fods_batch_to_pdf(paths: Sequence[Path], out_dir: Path) -> None:
    """Convert flat ODS files to PDF in one LibreOffice process with a private profile (as
    ``fixture_generator.fods_to_pdf`` does per file; one process per batch saves its start-up)."""
    soffice = soffice_path()
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-calc poppler-utils fonts-ipafont-gothic")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, paths)],
            check=True, capture_output=True, timeout=120 + 20 * len(paths),
        )


# --- reportlab: the same sheet drawn without rules ---------------------------------------------------------------

PT_PER_CM = 72 / 2.54


def sheet_pages(sheet: Sheet) -> list[list[int]]:
    """Body rows per page as the reportlab writer prints them: manual breaks, else as many rows
    as fit (the first page also carries the title), else one page."""
    body = list(range(sheet.header_rows, sheet.n_rows))
    if sheet.breaks:
        cuts = [sheet.header_rows, *sheet.breaks, sheet.n_rows]
        return [list(range(a, b)) for a, b in zip(cuts, cuts[1:], strict=False)]
    pages: list[list[int]] = [[]]
    room = body_room(sheet, first=True)
    for r in body:
        if pages[-1] and room < sheet.heights[r]:
            pages.append([])
            room = body_room(sheet, first=False)
        pages[-1].append(r)
        room -= sheet.heights[r]
    return pages





def sheet_to_reportlab_pdf(sheet: Sheet, path: Path) -> Path:
    """Words on a grid, no rules, wrapped in their columns; a merged label at the top / middle /
    bottom of its span (of the span's part on the page of its anchor row when a page cuts it);
    stacked names one character per line, rotated ones turned 90°."""
    from reportlab.pdfgen import canvas

    from .pdf_fixtures import FONT

    width, height = sheet.page.width * PT_PER_CM, sheet.page.height * PT_PER_CM
    xs = [1.2 * PT_PER_CM]
    for w in sheet.widths:
        xs.append(xs[-1] + w * PT_PER_CM)
    pages = sheet_pages(sheet)
    page_of = {r: n for n, rows in enumerate(pages, start=1) for r in rows}
    c = canvas.Canvas(str(path), pagesize=(width, height), invariant=1)  # same bytes on every run
    for number, rows in enumerate(pages, start=1):
        c.setFont(FONT, 7)
        c.drawRightString(width - 1.2 * PT_PER_CM, height - MARGIN * PT_PER_CM, sheet.running)
        c.drawCentredString(width / 2, MARGIN * PT_PER_CM - 8, f"- {number} -")
        y = (MARGIN + 1.0) * PT_PER_CM
        if number == 1:
            c.setFont(FONT, 11)
            for line in sheet.title:
                c.drawString(xs[0], height - y - 11, line)
                y += TITLE_ROW * PT_PER_CM
            y += TITLE_ROW * PT_PER_CM
        tops = {}
        for r in (list(range(sheet.header_rows)) if number == 1 or sheet.repeat_header else []) + rows:
            tops[r] = y
            y += sheet.heights[r] * PT_PER_CM
        c.setFont(FONT, sheet.page.font)
        for cell in sheet.cells:
            if cell.text and (cell.row < sheet.header_rows or page_of.get(anchor_row(cell)) == number) and anchor_row(cell) in tops:
                draw_cell(c, cell, cell_box(cell, sheet, tops), (xs[cell.col], xs[cell.col + cell.col_span]), sheet.page.font, height)
        c.showPage()
    c.save()
    return path


def anchor_row(cell: SheetCell) -> int:
    """The row whose page prints a merged cell's text: its top, bottom or (upper) middle row."""
    return cell.row + {"top": 0, "bottom": cell.row_span - 1, "middle": (cell.row_span - 1) // 2}[cell.valign] if cell.row_span > 1 else cell.row


def cell_box(cell: SheetCell, sheet: Sheet, tops: dict[int, float]) -> tuple[float, float]:
    """(top, height) in points from the page top of the part of the cell on this page that
    holds its anchor row: the rows of the span printed on the page next to it."""
    anchor = anchor_row(cell)
    rows = [anchor]
    while rows[0] - 1 >= cell.row and rows[0] - 1 in tops and tops[rows[0] - 1] < tops[rows[0]]:
        rows.insert(0, rows[0] - 1)
    while rows[-1] + 1 < cell.row + cell.row_span and rows[-1] + 1 in tops and tops[rows[-1] + 1] > tops[rows[-1]]:
        rows.append(rows[-1] + 1)
    return tops[rows[0]], sum(sheet.heights[r] for r in rows) * PT_PER_CM


def draw_cell(c, cell: SheetCell, box: tuple[float, float], xs: tuple[float, float], size: float, height: float) -> None:
    """Draw one cell's text in its box (points from the page top), aligned as the cell says."""
    top, tall = box
    x0, x1 = xs
    if cell.vertical == "rotated":
        c.saveState()
        c.translate((x0 + x1) / 2 + size / 3, height - top - tall + 3)
        c.rotate(90)
        c.drawString(0, 0, cell.text)
        c.restoreState()
        return
    lines = list(cell.text) if cell.vertical == "stacked" else wrap_text(cell.text, (x1 - x0) / PT_PER_CM, size)
    lead = size * 1.2
    block = lead * len(lines)
    first = {"top": top + 2, "middle": top + (tall - block) / 2, "bottom": top + tall - block - 2}[cell.valign] + size
    for k, line in enumerate(lines):
        y = height - (first + k * lead)
        if cell.halign == "center" or cell.vertical:
            c.drawCentredString((x0 + x1) / 2, y, line)
        elif cell.halign == "right":
            c.drawRightString(x1 - 3, y, line)
        else:
            c.drawString(x0 + 3, y, line)


# --- text forms ------------------------------------------------------------------------------------------------


def sheet_to_tsv(sheet: Sheet, quoted: bool) -> str:
    """The sheet as copying its cells gives it: one line per row, tab-separated, a merged cell's
    text in its first slot. ``quoted``: a cell holding a line break, tab or quote is wrapped in
    double quotes (the spreadsheet clipboard); bare: its line breaks are written as they are."""
    width = len(sheet.widths)
    grid = [[""] * width for _ in range(sheet.n_rows)]
    for cell in sheet.cells:
        grid[cell.row][cell.col] = cell.text
    lines = [t + "\t" * (width - 1) for t in sheet.title] + ["\t" * (width - 1)]
    lines += ["\t".join(tsv_field(t, quoted) for t in row) for row in grid]
    return "\n".join(lines) + "\n"


def tsv_field(text: str, quoted: bool) -> str:
    if quoted and any(ch in text for ch in '\n\t"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def pdf_to_plumber_text(pdf: Path, layout: bool) -> str:
    """pdfplumber's ``extract_text`` (or its ``layout=True`` form) of every page, joined with form feeds."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return "\f".join(page.extract_text(layout=layout) or "" for page in doc.pages) + "\n"


def pdf_to_pdftotext(pdf: Path) -> str:
    """``pdftotext -layout``: poppler's column-preserving text, pages ended by form feeds."""
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8")


def form_path(folder: Path, name: str, form: str) -> Path:
    return folder / (f"{name}.pdf" if form == "pdf" else f"{name}.{form}.txt")


def write_text_forms(sheet: Sheet, pdf: Path, folder: Path, name: str, forms: Iterable[str]) -> None:
    makers = {
        "plumber-text": lambda: pdf_to_plumber_text(pdf, False),
        "plumber-layout": lambda: pdf_to_plumber_text(pdf, True),
        "pdftotext-layout": lambda: pdf_to_pdftotext(pdf),
        "tsv-clipboard": lambda: sheet_to_tsv(sheet, True),
        "tsv-bare": lambda: sheet_to_tsv(sheet, False),
    }
    for form in forms:
        if form != "pdf":
            form_path(folder, name, form).write_text(makers[form](), encoding="utf-8")


# --- rendering many variants -----------------------------------------------------------------------------------


def sheet_key(variant: Variant, sheet: Sheet) -> str:
    """Fingerprint of what a variant renders: a cached rendering with another key is stale."""
    return hashlib.sha256(repr((variant, sheet)).encode()).hexdigest()[:16]


def truth_json(variant: Variant, forms: Sequence[str], key: str) -> str:
    data = {"name": variant.name, "variant": variant.to_json(), "forms": list(forms), "key": key, "truth": variant.truth().to_json()}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def is_rendered(folder: Path, variant: Variant, forms: Sequence[str], key: str) -> bool:
    """True when ``folder`` holds the variant's truth JSON with this key and every form's file."""
    meta = folder / f"{variant.name}.json"
    if not meta.exists():
        return False
    data = json.loads(meta.read_text(encoding="utf-8"))
    return data.get("key") == key and all(form_path(folder, variant.name, f).exists() for f in forms)


def stale_variants(variants: Sequence[tuple[Variant, Sequence[str]]], folder: Path) -> list[tuple[Variant, Sequence[str], Sheet, str]]:
    """(variant, forms, sheet, key) of the variants ``folder`` holds no up-to-date rendering of."""
    todo = []
    for variant, forms in variants:
        sheet = table_to_sheet(variant)
        key = sheet_key(variant, sheet)
        if not is_rendered(folder, variant, forms, key):
            todo.append((variant, forms, sheet, key))
    return todo


def office_pdfs(sheets: Sequence[tuple[str, Sheet]], folder: Path, batch: int, jobs: int) -> None:
    """``<name>.pdf`` in ``folder`` for each (name, sheet) through LibreOffice: flat ODS files
    converted in batches, at most two LibreOffice processes at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        fods = []
        for name, sheet in sheets:
            fods.append(Path(tmp) / f"{name}.fods")
            fods[-1].write_text(sheet_to_fods(sheet), encoding="utf-8")
        chunks = [fods[i : i + batch] for i in range(0, len(fods), batch)]
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
            list(pool.map(lambda chunk: fods_batch_to_pdf(chunk, folder), chunks))


def render_variants(variants: Sequence[tuple[Variant, Sequence[str]]], folder: Path, *, keep_pdf: bool = True, batch: int = 12, jobs: int = 2) -> int:
    """Render each (variant, forms) into ``folder`` with its truth JSON, unless an up-to-date
    rendering is there (same variant, same sheet; delete the folder after changing a writer);
    returns how many were rendered. ``keep_pdf`` False drops PDFs not among a variant's forms."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = stale_variants(variants, folder)
    office_pdfs([(v.name, sheet) for v, _, sheet, _ in todo if v.layout.ruling != "reportlab"], folder, batch, jobs)
    for variant, forms, sheet, key in todo:
        pdf = form_path(folder, variant.name, "pdf")
        if variant.layout.ruling == "reportlab":
            sheet_to_reportlab_pdf(sheet, pdf)
        write_text_forms(sheet, pdf, folder, variant.name, forms)
        (folder / f"{variant.name}.json").write_text(truth_json(variant, forms, key), encoding="utf-8")
        if not keep_pdf and "pdf" not in forms:
            pdf.unlink()
    return len(todo)
