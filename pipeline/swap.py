"""Replacing an output folder so that it is never lost: one lock, one swap, one recovery.

Used by ``keikaku ingest`` (``pipeline.output``) and ``keikaku diff --out``.

- **Lock**: ``.keikaku-lock-<name>`` beside the folder, held (``flock``) for the whole run, so
  two runs never write one folder at once; a second run waits ``LOCK_WAIT_SECONDS`` and then
  stops with ``FolderBusy`` naming the other run. The lock file stays (removing lock files
  races); it holds the pid of the last run that took it.
- **Swap**: the new contents are built in ``.keikaku-tmp-<name>``, the user's own files (any
  name ``own`` does not claim) are hard-linked in from the current folder, everything is
  fsynced, and the two folders are exchanged in one ``renameat2(RENAME_EXCHANGE)`` where the
  system has it (the folder never disappears), else by two renames through
  ``.keikaku-old-<name>`` (undone if the second fails). The previous contents are removed last.
- **Recovery** (``recover``, first thing under the lock, before anything else is done): when a
  run was killed between the two renames, the folder is missing and ``.keikaku-old-<name>``
  holds the previous output: it is renamed back. Any other leftover is stale and removed.

A kill at any instant leaves either the previous folder, or the previous one aside plus a
complete new one in staging (recovery restores the previous), or the new folder complete.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_PREFIX = ".keikaku-lock-"
TMP_PREFIX = ".keikaku-tmp-"
OLD_PREFIX = ".keikaku-old-"
LOCK_WAIT_SECONDS = 5.0
# Leftovers of keikaku versions before this module (pid and random suffixes, per-run copies).
_LEGACY = (r"\.keikaku-(?:tmp|old|prev)-{name}-[0-9]+-[0-9a-f]+", r"\.{name}\.diff-(?:tmp|old)-[0-9]+-[0-9a-f]+")
_RENAME_EXCHANGE = 2
AT_FDCWD = -100

_held: dict[Path, int] = {}  # folder -> lock depth in this process (the lock is re-entrant here)


class FolderBusy(Exception):
    """Another keikaku run holds the output folder's lock."""


def step(name: str) -> None:
    """A point of the swap where a kill may land; tests replace this to die there."""


# --- lock -----------------------------------------------------------------------------------------


def lock_path(folder: Path) -> Path:
    return folder.parent / f"{LOCK_PREFIX}{folder.name}"


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Hold ``folder``'s lock (created beside it; its parent must exist). OSError when the lock
    file cannot be created (the parent is not writable); ``FolderBusy`` after ``wait`` seconds
    (default ``LOCK_WAIT_SECONDS``)."""
    folder = Path(folder).absolute()
    if folder in _held:
        _held[folder] += 1
        try:
            yield
        finally:
            _held[folder] -= 1
        return
    fd = os.open(lock_path(folder), os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        _acquire(fd, folder, LOCK_WAIT_SECONDS if wait is None else wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[folder] = 1
        try:
            yield
        finally:
            del _held[folder]
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, folder: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise FolderBusy(
                    f"another keikaku run (pid {holder}) is writing {folder}; try again when it has finished"
                ) from None
            time.sleep(0.1)


# --- recovery -------------------------------------------------------------------------------------


def recover(folder: Path) -> str | None:
    """Under the lock: put back the previous folder a killed swap left aside, remove any other
    leftover. Returns a sentence saying what was restored, or None."""
    folder = Path(folder).absolute()
    assert folder in _held, "recover() needs the folder's lock"
    parent = folder.parent
    if not parent.is_dir():
        return None
    restored = None
    old = parent / f"{OLD_PREFIX}{folder.name}"
    legacy = [p for p in parent.iterdir() if _is_legacy(p.name, folder.name)]
    if not os.path.lexists(folder):
        candidates = [old] if old.is_dir() else sorted(
            (p for p in legacy if p.name.startswith(OLD_PREFIX) and p.is_dir()), key=lambda p: p.stat().st_mtime
        )[-1:]
        if candidates:
            os.rename(candidates[0], folder)
            _fsync_dir(parent)
            restored = f"restored the previous output in {folder} that an interrupted run had moved aside"
    for path in [parent / f"{TMP_PREFIX}{folder.name}", old, *legacy]:
        _remove(path)
    return restored


def _is_legacy(name: str, folder_name: str) -> bool:
    escaped = re.escape(folder_name)
    return any(re.fullmatch(pattern.format(name=escaped), name) for pattern in _LEGACY)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


# --- swap -----------------------------------------------------------------------------------------


def replace_folder(folder: Path, build: Callable[[Path], None], *, own: Callable[[str], bool]) -> None:
    """Replace ``folder`` by what ``build(staging)`` writes into an empty staging folder, keeping
    every entry of the current folder that ``own(name)`` does not claim."""
    folder = Path(folder).absolute()
    folder.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        recover(folder)
        staging = folder.parent / f"{TMP_PREFIX}{folder.name}"
        staging.mkdir()
        try:
            build(staging)
            fsync_tree(staging)
            carry_over(folder, staging, own)
            _fsync_dir(staging)
            step("built")
            commit(staging, folder)
        finally:
            _remove(staging)


def carry_over(folder: Path, staging: Path, own: Callable[[str], bool]) -> None:
    """Hard-link (copy where links fail) every entry of ``folder`` that is not ``own`` into
    ``staging``: the user's notes in an output folder survive every run."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in sorted(folder.iterdir()):
        target = staging / entry.name
        if own(entry.name) or os.path.lexists(target):
            continue
        try:
            if entry.is_symlink():
                os.symlink(os.readlink(entry), target)
            elif entry.is_dir():
                shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
            elif entry.is_file():
                _link_or_copy(entry, target)
        except (OSError, RecursionError, shutil.Error) as exc:
            raise OSError(errno.EIO, f"cannot keep your file {entry} in the new output ({exc})", str(entry)) from exc


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def commit(staging: Path, folder: Path) -> None:
    """Put ``staging`` in the place of ``folder`` (same parent); the previous contents go last."""
    parent = folder.parent
    if not os.path.lexists(folder):
        os.rename(staging, folder)
        _fsync_dir(parent)
        return
    if exchange(staging, folder):
        step("exchanged")
        _fsync_dir(parent)
        return  # staging now holds the previous contents; the caller removes it
    old = parent / f"{OLD_PREFIX}{folder.name}"
    os.rename(folder, old)
    step("moved-aside")
    try:
        os.rename(staging, folder)
    except BaseException:
        os.rename(old, folder)
        raise
    step("renamed")
    _fsync_dir(parent)
    _remove(old)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    if not EXCHANGE_ENABLED:
        return False
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


EXCHANGE_ENABLED = True  # tests turn it off to exercise the two-rename path


def _renameat2() -> Callable[..., int] | None:
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


# --- durability -----------------------------------------------------------------------------------


def fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder`` (what a build wrote: flat, shallow), then the folders."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        elif path.is_dir() and not path.is_symlink():
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; nothing more to do there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
