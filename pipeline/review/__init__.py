"""``keikaku review OUTPUT_DIR``: a static review page of an output folder's doubtful values.

Recipe: read the output's CSV files (``gather``), find the source documents again by path and
sha256 (``sources``), crop their pages around each value (``crops``), write
``OUTPUT_DIR/review/index.html`` with its crops in ``OUTPUT_DIR/review/crops/`` (``page``).
The folder is built aside and swapped in under the output folder's lock, so a half-written page
is never left, and a run of ``keikaku ingest`` keeps it like any other file of the user's (the
page is a snapshot of the output it was made from: make it again after a run)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..inputs import UsageError
from .gather import doubt_labels, output_to_review, read_output
from .page import count_crops, json_to_html, review_to_json
from .sources import locate

REVIEW_FOLDER = "review"
MARKER = ".keikaku-review"  # tells our review folder from one of the user's


@dataclass(frozen=True)
class ReviewBuild:
    """What ``write_review`` wrote."""

    page: Path
    documents: int
    items: int
    crops: int
    missing_sources: int

    def summary(self) -> str:
        missing = f"; {self.missing_sources} source document(s) not found or changed (shown without crops)" if self.missing_sources else ""
        return (f"keikaku review: {self.items} doubtful value(s) of {self.documents} document(s), {self.crops} page crop(s){missing}\n"
                f"review page written to {self.page}")


def write_review(out_dir: Path, roots: Sequence[Path]) -> ReviewBuild:
    """Write the review page of the output in ``out_dir``, cropping the source documents found
    under ``roots``. UsageError when ``out_dir`` holds no keikaku output, another run holds it,
    or its ``review`` folder is not one this command wrote."""
    from ..output import is_keikaku_output
    from ..swap import FolderBusy, folder_lock

    out_dir = Path(out_dir).absolute()
    if not (out_dir / "documents.csv").is_file() or not is_keikaku_output(out_dir):
        raise UsageError(f"{out_dir} holds no keikaku output (no documents.csv): run keikaku ingest first")
    target = out_dir / REVIEW_FOLDER
    if target.exists() and not (target / MARKER).is_file():
        raise UsageError(f"{target} exists and was not written by keikaku review; move it away first")
    try:
        with folder_lock(out_dir):
            return build_into(out_dir, target, [Path(r) for r in roots])
    except FolderBusy as exc:
        raise UsageError(str(exc)) from None


def build_into(out_dir: Path, target: Path, roots: list[Path]) -> ReviewBuild:
    from ..swap import commit

    tables = read_output(out_dir)
    review = output_to_review(tables)
    sources = {d["doc_id"]: locate(d["source_file"], d["sha256"], roots) for d in tables["documents"] if d.get("sha256")}
    building = Path(tempfile.mkdtemp(prefix=".review-tmp-", dir=out_dir))
    try:
        data = review_to_json(review, sources, building, out_dir.name)
        (building / "index.html").write_text(json_to_html(data), encoding="utf-8")
        (building / MARKER).write_bytes(b"")
        os.chmod(building, 0o755)
        commit(building, target)  # the swap ingest's output uses: exchanged in one step where the system can
    finally:
        shutil.rmtree(building, ignore_errors=True)  # after an exchange it holds the previous page
    missing = sum(1 for s in sources.values() if s.data is None)
    return ReviewBuild(target / "index.html", len(review.documents), len(review.items), count_crops(data), missing)


def doubtful_counts(tables: Mapping[str, Sequence[Any]]) -> tuple[int, int]:
    """(quality rows about a document, participation cells read as doubtful) among a run's rows:
    what the review page lists."""
    quality = sum(1 for q in tables.get("quality", ()) if getattr(q, "doc_id", None))
    cells = sum(1 for r in tables.get("participation", ())
                if doubt_labels({"ambiguous": "true" if r.ambiguous else "false", "confidence": str(r.confidence)}))
    return quality, cells


def review_hint(tables: Mapping[str, Sequence[Any]], out_dir: Path, paths: Sequence[Path]) -> str:
    """The line ``keikaku ingest`` prints when a run has doubtful values: how to review them."""
    quality, cells = doubtful_counts(tables)
    if not quality + cells:
        return ""
    folders = " ".join(str(p) for p in paths if Path(p).is_dir())
    sources = f" --sources {folders}" if folders else ""
    page = Path(out_dir) / REVIEW_FOLDER / "index.html"
    return (f"{quality} quality row(s) and {cells} doubtful participation cell(s) to review: "
            f"keikaku review {out_dir}{sources}  (writes {page})")
