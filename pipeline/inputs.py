"""Finding input files (files and folders of .pdf/.txt) and the optional manifest beside them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from extractors.readers import SUPPORTED_SUFFIXES

from .envelope import InputFile

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "title", "issuer", "area", "fiscal_year", "kind_hints")


class UsageError(Exception):
    """A mistake in how keikaku was called (missing path, bad manifest): exit code 1, no traceback."""


@dataclass(frozen=True)
class ManifestEntry:
    title: str | None
    issuer: str | None
    area: str | None
    fiscal_year: str | None
    kind_hints: tuple[str, ...]


def discover_inputs(paths: list[Path], manifest: Path | None = None) -> list[InputFile]:
    """Every supported file under ``paths`` (folders searched recursively), in a stable order.

    A file named explicitly is always taken (an unsupported one fails with a code later); files
    inside folders are taken by suffix. A folder's ``manifest.csv`` is read automatically."""
    entries: dict[Path, ManifestEntry] = {}
    if manifest is not None:
        entries.update(read_manifest(manifest))
    found: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        if path.is_dir():
            if manifest is None and (path / MANIFEST_NAME).is_file():
                entries.update(read_manifest(path / MANIFEST_NAME))
            for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES):
                found.append((file.relative_to(path).as_posix(), file))
        else:
            found.append((path.as_posix(), path))
    return [file_to_input(label, file, entries.get(file.resolve())) for label, file in found]


def file_to_input(label: str, file: Path, entry: ManifestEntry | None) -> InputFile:
    try:
        data = file.read_bytes()
    except OSError as exc:
        return InputFile(source_file=label, data=b"", read_error=exc.strerror or type(exc).__name__)
    if entry is None:
        return InputFile(source_file=label, data=data)
    return InputFile(
        source_file=label,
        data=data,
        title=entry.title,
        issuer=entry.issuer,
        area=entry.area,
        fiscal_year=entry.fiscal_year,
        kind_hints=entry.kind_hints,
    )


def read_manifest(path: Path) -> dict[Path, ManifestEntry]:
    """CSV with a header; ``file`` is relative to the manifest's folder."""
    if not path.is_file():
        raise UsageError(f"manifest not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "file" not in reader.fieldnames:
            raise UsageError(f"manifest {path} needs a header row with at least a 'file' column ({', '.join(MANIFEST_COLUMNS)})")
        entries = {}
        for row in reader:
            name = (row.get("file") or "").strip()
            if not name:
                continue
            entries[(path.parent / name).resolve()] = ManifestEntry(
                title=(row.get("title") or "").strip() or None,
                issuer=(row.get("issuer") or "").strip() or None,
                area=(row.get("area") or "").strip() or None,
                fiscal_year=(row.get("fiscal_year") or "").strip() or None,
                kind_hints=tuple(h.strip() for h in (row.get("kind_hints") or "").split(";") if h.strip()),
            )
    return entries
