"""The review page: the data of ``gather`` with crops and source lines, as one static HTML file.

The page (``assets/review.html``, ``review.css``, ``review.js``, inlined) needs no server and no
network: it reads its data from a JSON block in itself and its crops from ``crops/`` beside it.
It renders every row once and filters by hiding rows, so 20,000 rows stay usable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

from .crops import CropRequest, render_crops
from .gather import Item, Place, Review
from .sources import Source, lines_excerpt, text_lines

PDF = "application/pdf"
CROPS = "crops"


def review_to_json(review: Review, sources: dict[str, Source], folder: Path, title: str) -> dict[str, Any]:
    """The page's data; crops written into ``folder/crops`` as a side effect."""
    media = {d["doc_id"]: d["media_type"] for d in review.documents}
    order = {d["doc_id"]: i for i, d in enumerate(review.documents)}
    items = sorted(review.items, key=lambda it: (order.get(it.doc_id, len(order)), it.place.page if it.place and it.place.page else 0))
    requests: list[CropRequest] = []
    lines_of: dict[str, list[str] | None] = {}
    shown_items = [item_to_json(i, item, media, sources, requests, lines_of) for i, item in enumerate(items)]
    matrices = [matrix_to_json(m, media, sources, requests) for m in review.matrices]
    (folder / CROPS).mkdir(parents=True, exist_ok=True)
    pdfs = {doc_id: source.data for doc_id, source in sources.items() if source.data is not None and media.get(doc_id) == PDF}
    problems = render_crops(requests, pdfs, folder / CROPS)
    for shown in (*shown_items, *matrices):
        name = shown.get("crop")
        if name and name in problems:
            shown["crop"], shown["crop_problem"] = None, problems[name]
        elif name:
            shown["crop"] = f"{CROPS}/{name}"
    documents = [{**d, "source_problem": sources[d["doc_id"]].problem if d["doc_id"] in sources else ""} for d in review.documents]
    return {"title": title, "documents": documents, "items": shown_items, "matrices": matrices, "series": review.series,
            "columns": review.columns}


def item_to_json(index: int, item: Item, media: dict[str, str], sources: dict[str, Source], requests: list[CropRequest],
                 lines_of: dict[str, list[str] | None]) -> dict[str, Any]:
    data = {k: v for k, v in asdict(item).items() if k != "place"}
    data["id"] = index
    data.update(place_to_json(item.place, item.doc_id, f"{item.doc_id}-{index}.png", media, sources, requests))
    if item.place and item.place.lines and media.get(item.doc_id) != PDF:
        source = sources.get(item.doc_id)
        if source is not None and source.data is not None:
            if item.doc_id not in lines_of:
                lines_of[item.doc_id] = text_lines(source.data)
            lines = lines_of[item.doc_id]
            if lines is not None:
                data["text"] = lines_excerpt(lines, *item.place.lines)
    return data


def place_to_json(place: Place | None, doc_id: str, name: str, media: dict[str, str], sources: dict[str, Source],
                  requests: list[CropRequest]) -> dict[str, Any]:
    """page, bbox or lines, and the crop asked for (or why there is none)."""
    data: dict[str, Any] = {"page": place.page if place else None, "bbox": place.bbox if place else None,
                            "lines": place.lines if place else None, "crop": None, "crop_problem": "", "text": None}
    source = sources.get(doc_id)
    if place is None or place.page is None:
        return data
    if source is None or source.data is None:
        data["crop_problem"] = source.problem if source else "no such document"
    elif media.get(doc_id) == PDF and place.bbox is not None:
        requests.append(CropRequest(name, doc_id, place.page, place.bbox))
        data["crop"] = name
    return data


def matrix_to_json(matrix: dict[str, Any], media: dict[str, str], sources: dict[str, Source], requests: list[CropRequest]) -> dict[str, Any]:
    data = {k: v for k, v in matrix.items() if k != "place"}
    data.update(place_to_json(matrix["place"], matrix["doc_id"], f"{matrix['doc_id']}-m{matrix['matrix']}.png", media, sources, requests))
    return data


def json_to_html(data: dict[str, Any]) -> str:
    """The page: the template with its style, script and data inlined."""
    assets = resources.files("pipeline.review") / "assets"
    template = (assets / "review.html").read_text(encoding="utf-8")
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    parts = {
        "/*STYLE*/": (assets / "review.css").read_text(encoding="utf-8"),
        "/*SCRIPT*/": (assets / "review.js").read_text(encoding="utf-8").replace("</", "<\\/"),
        "/*DATA*/": blob,
        "<!--TITLE-->": html_escape(data["title"]),
    }
    for marker, text in parts.items():
        template = template.replace(marker, text, 1 if marker.startswith("/*") else -1)
    return template


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def count_crops(data: dict[str, Any], keys: Sequence[str] = ("items", "matrices")) -> int:
    return sum(1 for k in keys for shown in data[k] if shown.get("crop"))
