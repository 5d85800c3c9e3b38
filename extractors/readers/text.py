"""Plain-text inputs (text extractions of PDFs): encoding detection, pages, lines, tab cells."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from charset_normalizer import from_bytes

from extractors.model.document import Cell, Document, Line, Page
from extractors.readers import FileIdentity, ReadFailure
from extractors.tables.text import lines_to_items
from schemas.quality import Code

BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# Encodings a Japanese text file plausibly uses, tried strictly in this order.
JAPANESE_ENCODINGS = ("utf-8", "cp932", "euc_jp", "iso2022_jp")
MAX_CONTROL_SHARE = 0.02
HTML_TABLE = re.compile(r"<table\b.*?</table>", re.IGNORECASE | re.DOTALL)


def text_bytes_to_document(data: bytes, source_file: str, identity: FileIdentity) -> Document | ReadFailure:
    """Decode, split into pages (form feeds), lines and tab-separated cells; find the tables."""
    if not data.strip():
        return ReadFailure(Code.EMPTY_FILE, "the file is empty (no text to read)")
    decoded = bytes_to_text(data)
    if isinstance(decoded, ReadFailure):
        return decoded
    text, encoding = decoded
    pages = text_to_pages(text)
    return Document(
        doc_id=identity.doc_id,
        source_file=source_file,
        sha256=identity.sha256,
        media_type="text/plain",
        pages=pages,
        encoding=encoding,
        items=lines_to_items([line for page in pages for line in page.lines]),
    )


def bytes_to_text(data: bytes) -> tuple[str, str] | ReadFailure:
    """Return (text, encoding name). BOMs win; then strict Japanese encodings; binary is refused."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    if looks_binary(data):
        return ReadFailure(Code.BINARY_FILE, "the file holds binary data, not text (is it a PDF or an image with a .txt name?)")
    candidates = []
    for rank, encoding in enumerate(JAPANESE_ENCODINGS):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if control_share(text) <= MAX_CONTROL_SHARE:
            candidates.append((implausible_share(text), rank, text, encoding))
    if candidates:
        _, _, text, encoding = min(candidates)
        return text, encoding
    best = from_bytes(data).best()
    if best is not None and control_share(str(best)) <= MAX_CONTROL_SHARE:
        return str(best), best.encoding
    return ReadFailure(Code.UNDECODABLE_TEXT, "the text is in no encoding keikaku can recognise (tried UTF-8, CP932/Shift_JIS, EUC-JP, ISO-2022-JP)")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many C0 control bytes mean binary (text files have tabs and newlines only)."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / max(len(sample), 1) > MAX_CONTROL_SHARE


def implausible_share(text: str) -> float:
    """Share of characters a wrong Japanese codec typically produces: half-width katakana and
    private-use code points (EUC-JP bytes read as CP932 decode "successfully" into these)."""
    sample = text[:65536]
    bad = sum(1 for ch in sample if "\uff61" <= ch <= "\uff9f" or unicodedata.category(ch) == "Co")
    return bad / max(len(sample), 1)


def control_share(text: str) -> float:
    sample = text[:65536]
    bad = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\n\r\f\x1b")
    return bad / max(len(sample), 1)


def text_to_pages(text: str) -> tuple[Page, ...]:
    """Form feeds separate pages; embedded HTML tables become tab-separated lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = []
    number = 0
    file_line = 1  # a form feed ends a page, not a line of the file
    for page_no, page_text in enumerate(text.split("\f"), start=1):
        lines = []
        for k, original in enumerate(page_text.split("\n")):
            file_line += 1 if k else 0
            for raw in expand_html_tables(original).split("\n"):
                number += 1
                lines.append(raw_to_line(raw, page_no, number, file_line))
        pages.append(Page(number=page_no, lines=tuple(lines)))
    return tuple(pages)


def raw_to_line(raw: str, page: int, number: int, file_line: int | None = None) -> Line:
    """Keep every tab field, empty ones included: their position is evidence of merged cells."""
    fields = raw.split("\t")
    cells = tuple(Cell(text=f.strip(), column=i) for i, f in enumerate(fields))
    return Line(text=raw.rstrip(), cells=cells, page=page, number=number, file_line=file_line)


def expand_html_tables(text: str) -> str:
    """Some extractions embed a table as HTML on one line: turn it into tab-separated rows.

    Whatever follows the table on the same line (a flattened duplicate of the same cells) is
    dropped, because it repeats the table without its structure."""

    def replace(match: re.Match[str]) -> str:
        rows = html_table_to_rows(match.group(0))
        return "\n" + "\n".join("\t".join(row) for row in rows) + "\n"

    out_lines = []
    for line in text.split("\n"):
        if HTML_TABLE.search(line):
            start = HTML_TABLE.search(line)
            assert start is not None
            line = HTML_TABLE.sub(replace, line[: start.end()])
        out_lines.append(line)
    return "\n".join(out_lines)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("br", "p", "li") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_table_to_rows(html: str) -> list[list[str]]:
    parser = _TableParser()
    parser.feed(html)
    return [row for row in parser.rows if row]
