"""Readers turn an input file into a ``Document``, or into a coded ``ReadFailure``.

One module per input kind; ``read_document`` chooses by content (magic bytes), not by the name,
so a binary file named ``.txt`` is reported, not decoded into garbage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from extractors.model.document import Document
from schemas.quality import Code

PDF_MAGIC = b"%PDF-"
PDF_MEDIA_TYPE = "application/pdf"
SUPPORTED_SUFFIXES = (".txt", ".pdf")


@dataclass(frozen=True)
class ReadFailure:
    """Why an input could not be read. ``code`` goes to ``documents.error_code``."""

    code: Code
    message: str
    pages: int | None = None


@dataclass(frozen=True)
class FileIdentity:
    doc_id: str
    sha256: str


def bytes_to_identity(data: bytes) -> FileIdentity:
    """SPEC: doc_id is the first 16 hex digits of the SHA-256 of the file bytes."""
    digest = hashlib.sha256(data).hexdigest()
    return FileIdentity(doc_id=digest[:16], sha256=digest)


def sniff_media_type(data: bytes, suffix: str) -> str:
    """Media type from content first: a PDF is a PDF whatever its name."""
    if data.lstrip()[:5] == PDF_MAGIC:
        return PDF_MEDIA_TYPE
    if suffix.lower() == ".pdf":
        return PDF_MEDIA_TYPE  # named .pdf but no magic: the PDF reader reports it as corrupt
    return "text/plain"


def load_readers() -> None:
    """Import the readers (pdfplumber, pdfminer, every table strategy) now: they are imported
    on first use, as they import this module; a worker loads them before it takes a document,
    so that no document's time limit pays for the imports."""
    from extractors.readers import pdf, text  # noqa: F401


def read_document(data: bytes, source_file: str, identity: FileIdentity | None = None, media_type: str | None = None) -> Document | ReadFailure:
    """Parse the bytes of one input file (``identity`` and ``media_type``: the caller's, when
    it has them already, else computed here)."""
    from extractors.readers import pdf, text

    identity = identity or bytes_to_identity(data)
    media_type = media_type or sniff_media_type(data, Path(source_file).suffix)
    if media_type == PDF_MEDIA_TYPE:
        return pdf.pdf_bytes_to_document(data, source_file, identity)
    return text.text_bytes_to_document(data, source_file, identity)
