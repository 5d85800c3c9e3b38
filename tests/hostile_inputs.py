"""Hostile and unlucky inputs, generated (never committed): PDF bombs, special files, deep folders,
manifests in other encodings, and worker stages that misbehave on cue (test hooks).

The hooks run inside keikaku's worker processes: ``hook_stages`` is a stages factory (a
module-level function, so workers import it by name) whose first stage acts on the document's
file name: ``die*`` kills its own process (SIGKILL), ``segv*`` dereferences a null pointer,
``slow*`` sleeps, ``hog*`` takes memory until stopped, ``wait*`` writes its process id to the
file the document names and sleeps (for a real ``kill -9`` from the test), ``touch*`` writes a
marker to the file the document names. Any other document goes through the read stage only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
import zlib
from pathlib import Path, PurePath

from pipeline.envelope import DocumentResult
from pipeline.stages import Stage, read_stage

# --- PDFs -----------------------------------------------------------------------------------------


def pdf_with_streams(contents: list[tuple[bytes, bytes]]) -> bytes:
    """A one-page-per-stream PDF; each item is (filter dictionary entries, raw stream bytes)."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(contents)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(contents)} >>".encode())
    for i, (entries, raw) in enumerate(contents):
        stream = 4 + 2 * i
        font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + font + f" /Contents {stream} 0 R >>".encode())
        objects.append(f"<< /Length {len(raw)} ".encode() + entries + b" >>\nstream\n" + raw + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def deflated_zeros(inflated_bytes: int, chunk: int = 1 << 20) -> bytes:
    """``inflated_bytes`` zero bytes, deflated (about 1,000 : 1)."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(bytes(min(chunk, inflated_bytes - done))) for done in range(0, inflated_bytes, chunk)]
    return b"".join(parts) + compressor.flush()


def pdf_bomb(inflated_bytes: int) -> bytes:
    """A PDF whose one content stream inflates to ``inflated_bytes`` zeros."""
    return pdf_with_streams([(b"/Filter /FlateDecode", deflated_zeros(inflated_bytes))])


def text_pdf(text: str = "Hello 2024") -> bytes:
    """A small, sound PDF with one line of text."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return pdf_with_streams([(b"/Filter /FlateDecode", zlib.compress(content))])


# --- worker hooks ---------------------------------------------------------------------------------


def hook_stages() -> tuple[Stage, ...]:
    """A stages factory for workers: the hook, then the read stage."""
    return (Stage("hook", act_on_name), Stage("read", read_stage))


def act_on_name(result: DocumentResult) -> DocumentResult:
    name = PurePath(result.source.source_file).name
    named_file = Path(result.source.data.decode("utf-8", errors="replace").strip().splitlines()[0]) if result.source.data.strip() else None
    if name.startswith("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    elif name.startswith("segv"):
        ctypes.string_at(0)
    elif name.startswith("slow"):
        time.sleep(600)
    elif name.startswith("hog"):
        hog: list[bytes] = []
        for _ in range(400):  # up to 20 GB, 50 MB a step: stopped long before
            hog.append(b"\x01" * (50 << 20))
            time.sleep(0.02)
    elif name.startswith("wait") and named_file is not None:
        named_file.write_text(str(os.getpid()))
        time.sleep(600)
    elif name.startswith("touch") and named_file is not None:
        named_file.write_text("processed")
    return result
