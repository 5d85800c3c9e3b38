"""Finding input files (regular .pdf/.txt files and folders of them) and the manifest rows about them.

Only regular files are read. Inside a folder, a FIFO, device or socket with an input's name, a
symbolic-link loop or a link back to a folder already searched gets a ``failed`` row with code
``not-a-regular-file`` and is never opened (a FIFO would block, a device never end); named on
the command line, it is a usage error. Folders are searched without recursion, so any depth is
fine, and files are opened non-blocking and checked again once open.

Every manifest row is accounted for: a row that names no file, a missing file, a file outside
the manifest's folder, a file named twice or a file that is not among the inputs becomes a
run-level ``quality`` warning with its own code; ``fiscal_year`` is read with the same period
parser as the documents (``令和6年度``, ``R6``, ``2024年度`` -> ``FY2024``) or left empty with a
warning. Manifests may be UTF-8, UTF-16 (with BOM), CP932 or EUC-JP, like text inputs.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from extractors.content.base import ExtractContext
from extractors.readers import SUPPORTED_SUFFIXES, ReadFailure
from schemas.quality import Code, Issue, Severity

from .envelope import InputFile
from .errors import UsageError

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "title", "issuer", "area", "fiscal_year")  # others (kind_hints of v1) are read and ignored
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ManifestRow:
    """One data row of a manifest: where it is (for messages), the file it names, its facts."""

    where: str  # "seeds/manifest.csv row 3"
    name: str
    path: Path | None  # resolved; None when the row names no file
    inside: bool  # the file is in the manifest's folder
    entry: ExtractContext


@dataclass(frozen=True)
class Found:
    """A candidate input: its label (``documents.source_file``) and path, or why it is not read."""

    label: str
    path: Path
    failure: ReadFailure | None = None


@dataclass(frozen=True)
class Discovery:
    inputs: tuple[InputFile, ...]
    issues: tuple[Issue, ...]  # run-level: manifest rows


def discover_inputs(paths: list[Path], manifest: Path | None = None, *, max_bytes: int | None = None) -> Discovery:
    """Every input under ``paths`` (folders searched recursively) in a stable order, read, with
    its manifest facts; and a warning for every manifest row that describes no input.

    A file named explicitly is always taken (an unsupported one fails with a code later); files
    inside folders are taken by suffix. A folder's ``manifest.csv`` is read automatically. A file
    larger than ``max_bytes`` is not read (``memory-limit``)."""
    rows: list[ManifestRow] = list(read_manifest(manifest)) if manifest is not None else []
    found: list[Found] = []
    for path in paths:
        kind = path_kind(path)
        if kind == "folder":
            if manifest is None and (path / MANIFEST_NAME).is_file():
                rows.extend(read_manifest(path / MANIFEST_NAME))
            found.extend(walk_folder(path))
        elif kind == "file":
            found.append(Found(path.as_posix(), path))
        else:
            raise UsageError(f"{path} is {kind}, not a file or folder; give .pdf/.txt files or folders of them")
    entries, issues = rows_to_entries(rows, {resolved(f.path) for f in found if f.failure is None})
    inputs = tuple(found_to_input(f, entries.get(resolved(f.path)), max_bytes) for f in found)
    return Discovery(inputs, tuple(issues))


def path_kind(path: Path) -> str:
    """'file', 'folder', or what else it is ('a FIFO', 'a symbolic link loop' ...); UsageError
    when there is nothing there."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UsageError(f"no such file or folder: {path}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    return mode_to_kind(mode)


def mode_to_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a loop: never equal to a manifest row's file
        return path.absolute()


# --- folders --------------------------------------------------------------------------------------


def walk_folder(root: Path) -> list[Found]:
    """Depth first, names sorted (the order ``sorted(root.rglob('*'))`` gives), without recursion.
    Links to folders are followed once; a loop back is reported, not followed."""
    found: list[Found] = []
    root_stat = os.stat(root)
    seen = {(root_stat.st_dev, root_stat.st_ino)}
    stack: list[Found | tuple[Path, str]] = [(root, "")]
    while stack:
        item = stack.pop()
        if isinstance(item, Found):
            found.append(item)
            continue
        folder, prefix = item
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            if folder == root:
                raise UsageError(f"cannot list the folder {root}: {exc.strerror}") from None
            found.append(Found(prefix.rstrip("/"), folder, ReadFailure(Code.UNREADABLE_FILE, f"the folder cannot be listed: {exc.strerror}")))
            continue
        items = [item for entry in entries if (item := entry_to_found(entry, prefix, seen)) is not None]
        stack.extend(reversed(items))
    return found


def entry_to_found(entry: os.DirEntry[str], prefix: str, seen: set[tuple[int, int]]) -> Found | tuple[Path, str] | None:
    """A folder to search (path, label prefix), an input (or a coded non-input), or None to skip."""
    path, label = Path(entry.path), prefix + entry.name
    try:
        info = entry.stat()  # follows links
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Found(label, path, ReadFailure(Code.NOT_A_REGULAR_FILE, "a symbolic link loop; not read"))
        if is_input_name(entry.name):
            return Found(label, path, ReadFailure(Code.UNREADABLE_FILE, f"the file cannot be read: {exc.strerror}"))
        return None
    if stat.S_ISDIR(info.st_mode):
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            return Found(label, path, ReadFailure(Code.NOT_A_REGULAR_FILE, "a link back to a folder already searched (a loop); not followed"))
        seen.add(identity)
        return path, label + "/"
    if not is_input_name(entry.name):
        return None
    if not stat.S_ISREG(info.st_mode):
        return Found(label, path, ReadFailure(Code.NOT_A_REGULAR_FILE, f"{mode_to_kind(info.st_mode)}, not a regular file; not read"))
    return Found(label, path)


def is_input_name(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES


# --- reading --------------------------------------------------------------------------------------


def found_to_input(found: Found, facts: ExtractContext | None, max_bytes: int | None) -> InputFile:
    read = found.failure or read_regular_file(found.path, max_bytes)
    if isinstance(read, ReadFailure):
        return InputFile(source_file=found.label, data=b"", read_failure=read)
    return InputFile(source_file=found.label, data=read, context=facts or ExtractContext())


def read_regular_file(path: Path, max_bytes: int | None = None) -> bytes | ReadFailure:
    """The bytes of ``path`` if it is a regular file (checked once open: opening never blocks),
    no larger than ``max_bytes``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ReadFailure(Code.NOT_A_REGULAR_FILE, "a symbolic link loop; not read")
        return ReadFailure(Code.UNREADABLE_FILE, f"the file cannot be read: {exc.strerror}")
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return ReadFailure(Code.NOT_A_REGULAR_FILE, f"{mode_to_kind(info.st_mode)}, not a regular file; not read")
        if max_bytes is not None and info.st_size > max_bytes:
            return ReadFailure(
                Code.MEMORY_LIMIT,
                f"the file is {info.st_size / 2**20:.0f} MB, more than the memory limit of {max_bytes / 2**20:g} MB (--memory-limit); not read",
            )
        try:
            return handle.read()
        except OSError as exc:
            return ReadFailure(Code.UNREADABLE_FILE, f"the file cannot be read: {exc.strerror}")


# --- manifests ------------------------------------------------------------------------------------


def read_manifest(path: Path) -> list[ManifestRow]:
    """The data rows of a manifest CSV (header with at least ``file``; ``file`` relative to the
    manifest's folder), decoded like text inputs. UsageError when it cannot be read as one."""
    from extractors.readers.text import bytes_to_text

    if not path.exists() and not path.is_symlink():
        raise UsageError(f"manifest not found: {path}")
    kind = path_kind(path)
    data = read_regular_file(path, MANIFEST_MAX_BYTES) if kind == "file" else ReadFailure(Code.NOT_A_REGULAR_FILE, f"it is {kind}")
    if isinstance(data, ReadFailure):
        raise UsageError(f"cannot read the manifest {path}: {data.message}")
    decoded = bytes_to_text(data) if data.strip() else ("", "utf-8")
    if isinstance(decoded, ReadFailure):
        raise UsageError(f"cannot read the manifest {path}: {decoded.message}")
    try:
        records = list(csv.reader(io.StringIO(decoded[0].lstrip("\ufeff"), newline="")))
    except csv.Error as exc:
        raise UsageError(f"manifest {path} is not a valid CSV file: {exc}") from None
    header = [h.strip() for h in records[0]] if records else []
    if "file" not in header:
        raise UsageError(f"manifest {path} needs a header row with at least a 'file' column ({', '.join(MANIFEST_COLUMNS)})")
    return [record_to_row(path, number, dict(zip(header, record, strict=False))) for number, record in enumerate(records[1:], start=1) if any(c.strip() for c in record)]


def record_to_row(manifest: Path, number: int, record: dict[str, str]) -> ManifestRow:
    def cell(name: str) -> str | None:
        return (record.get(name) or "").strip() or None

    name = cell("file") or ""
    folder = resolved(manifest.parent)
    target = resolved(manifest.parent / name) if name else None
    entry = ExtractContext(title=cell("title"), issuer=cell("issuer"), area=cell("area"), fiscal_year=cell("fiscal_year"))
    inside = target is not None and target.is_relative_to(folder)
    return ManifestRow(f"{manifest.as_posix()} row {number}", name, target, inside, entry)


def rows_to_entries(rows: list[ManifestRow], inputs: set[Path]) -> tuple[dict[Path, ExtractContext], list[Issue]]:
    """The facts of each input named by a manifest row, and a warning for every other row."""
    entries: dict[Path, ExtractContext] = {}
    first: dict[Path, str] = {}
    issues: list[Issue] = []
    for row in rows:
        problem = row_problem(row, inputs, first)
        if problem is not None:
            issues.append(Issue(problem[0], Severity.WARNING, f"{row.where}: {problem[1]}", table="documents", location=row.where))
            continue
        assert row.path is not None
        first[row.path] = row.where
        entry, issue = normalise_fiscal_year(row)
        entries[row.path] = entry
        if issue is not None:
            issues.append(issue)
    return entries, issues


def row_problem(row: ManifestRow, inputs: set[Path], first: dict[Path, str]) -> tuple[Code, str] | None:
    if row.path is None:
        return Code.MANIFEST_FILE_MISSING, "the row names no file; ignored"
    if not row.inside:
        return Code.MANIFEST_FILE_OUTSIDE, f"{row.name!r} is outside the manifest's folder; ignored"
    if row.path in first:
        return Code.MANIFEST_DUPLICATE, f"{row.name!r} is already described by {first[row.path]}; this row is ignored"
    if not row.path.exists():
        return Code.MANIFEST_FILE_MISSING, f"{row.name!r} does not exist; ignored"
    if row.path not in inputs:
        return Code.MANIFEST_NOT_INPUT, f"{row.name!r} is not among the inputs of this run (not a .pdf/.txt file, or not under the paths given); ignored"
    return None


def normalise_fiscal_year(row: ManifestRow) -> tuple[ExtractContext, Issue | None]:
    """The row's entry with ``fiscal_year`` as a SPEC period, or emptied with a warning."""
    text = row.entry.fiscal_year
    if text is None:
        return row.entry, None
    period = fiscal_year_to_period(text)
    if period is not None:
        return replace(row.entry, fiscal_year=period), None
    message = f"{row.where}: fiscal_year {text!r} of {row.name!r} is not a period (write FY2024, 令和6年度, R6 or 2024年度); left empty"
    issue = Issue(Code.MANIFEST_BAD_FISCAL_YEAR, Severity.WARNING, message, table="documents", location=row.where)
    return replace(row.entry, fiscal_year=None), issue


def fiscal_year_to_period(text: str) -> str | None:
    """``令和6年度``, ``R6``, ``2024年度``, ``fy2024``, ``2024`` -> ``FY2024`` (a bare year in a
    fiscal-year column is that fiscal year); None when no period is printed."""
    from extractors.normalize.periods import parse_period

    period = parse_period(unicodedata.normalize("NFKC", text).strip().upper())
    if period is None:
        return None
    return f"FY{period}" if re.fullmatch(r"[0-9]{4}", period) else period
