"""Incremental runs: processed ``DocumentResult``s kept on disk, keyed by what determines them.

Key (sha256 of a small JSON): the document's sha256, its label (``source_file``), the manifest
facts the extractors see (title, issuer, area, fiscal_year, kind_hints), the read error if any,
and ``code_fingerprint()``: ``PIPELINE_VERSION``, the Python version, the versions of the
libraries whose output matters (spaCy, GiNZA and its model, SudachiPy and its dictionary) and a
hash of every source and reference file of ``pipeline``, ``extractors`` and ``schemas`` as
installed. Editing any of them, or changing a manifest row, invalidates the entry.

Stored value: the envelope as the per-document stages left it (before the run-level
cross-document step, which runs again on every run), without the input bytes and without the
document model, pickled. Entries are written atomically (temporary file + rename), so a killed
run leaves either a whole entry or none; an entry that cannot be read is a miss.

Location: ``--cache DIR``; by default ``.keikaku_cache/`` beside the output folder (for
``--out output`` that is ``./.keikaku_cache``). Like ``.pytest_cache``, the folder holds a
``.gitignore`` of ``*`` so git never sees it. Nothing is ever pruned: delete the folder to
reclaim space. The folder is trusted like the code: pickles are only read from it, so do not
point ``--cache`` at a folder other people can write.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import tempfile
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from .envelope import DocumentResult, InputFile

CACHE_DIR_NAME = ".keikaku_cache"  # like .pytest_cache / .ruff_cache
CACHE_FORMAT = 1
_PACKAGES = ("pipeline", "extractors", "schemas")
_CODE_SUFFIXES = (".py", ".csv", ".json", ".md")
_LIBRARIES = ("spacy", "ginza", "ja-ginza", "sudachipy", "sudachidict-core", "pdfplumber", "pypdfium2", "camelot-py")


def default_cache_dir(out_dir: Path) -> Path:
    """``.keikaku_cache`` in the folder that holds ``out_dir``."""
    return Path(out_dir).absolute().parent / CACHE_DIR_NAME


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the pipeline version, library versions and every installed source file."""
    from . import PIPELINE_VERSION

    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}|{PIPELINE_VERSION}|{sys.version_info[:2]}".encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"|{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"|{name}=-".encode())
    root = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def input_to_key(source: InputFile, sha256: str, code: str | None = None) -> str:
    """The cache key of one input: content hash + manifest facts + code fingerprint."""
    facts = {
        "sha256": sha256,
        "source_file": source.source_file,
        "title": source.title,
        "issuer": source.issuer,
        "area": source.area,
        "fiscal_year": source.fiscal_year,
        "kind_hints": list(source.kind_hints),
        "read_error": source.read_error,
        "code": code if code is not None else code_fingerprint(),
    }
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class ResultCache:
    """Pickled envelopes in ``folder/<key[:2]>/<key>.pickle``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_of(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str, source: InputFile) -> DocumentResult | None:
        """The stored envelope with ``source`` put back, marked ``from_cache``; None on a miss."""
        try:
            with self.path_of(key).open("rb") as handle:
                stored = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never a failed run
            return None
        if not isinstance(stored, DocumentResult):
            return None
        return replace(stored, source=source, timings=(), from_cache=True)

    def put(self, key: str, result: DocumentResult) -> None:
        """Store ``result`` (without input bytes or document model) atomically."""
        stored = replace(result, source=replace(result.source, data=b""), document=None, timings=(), from_cache=False)
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (self.folder / ".gitignore").exists():
            (self.folder / ".gitignore").write_bytes(b"*\n")
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(stored, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
