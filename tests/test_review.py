"""The review page in a real browser: Debian's chromium driven by Playwright (the system
executable, no browser download), the page loaded from a file with every network request
refused. It shows every doubtful value of a run over PDFs and text inputs, filters, renders the
page crops, and the corrections it downloads round-trip through ``ingest --corrections``.

Screenshots of the page (``review-*.png``) are written into this module's pytest temporary
folder (``pytest --basetemp=DIR`` puts them under DIR)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from pipeline.corrections import read_corrections
from pipeline.ingest import ingest
from pipeline.review import MARKER, write_review
from pipeline.review.gather import LOW_CONFIDENCE

ROOT = Path(__file__).resolve().parent.parent
# Inputs with doubtful values of every kind: a matrix whose printed totals contradict each other
# (total-violated, cell-ambiguous, cell-repaired), tables no extractor claims, a table with
# problems about no row (duplicate-key), a text matrix with ambiguous cells and a text region
# list with a corrected municipality name; and a clean PDF changed after the run (no crop).
INPUTS = [
    ROOT / "tests/fixtures/fuzz/participation-108-U-mt-st-hr-bm-te.pdf",
    ROOT / "tests/fixtures/fuzz/catalog-003-U-rep-h1-bn-te.pdf",
    ROOT / "tests/fixtures/fuzz/timeseries-004-D-rep-hr-b0-dn.pdf",
    ROOT / "seeds/001_d177e17a2c8ccc19.txt",
    ROOT / "seeds/003_feeaa7bd0b434e1c.txt",
]
CHANGED = ROOT / "tests/fixtures/participation-rotated-header-one-page.pdf"
CHROMIUM = shutil.which("chromium")  # Debian's package (scripts/apt-packages.txt)


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs copied into a folder, ingested, the clean PDF changed afterwards, the page built."""
    base = tmp_path_factory.mktemp("review")
    sources = base / "sources"
    sources.mkdir()
    for path in [*INPUTS, CHANGED]:
        shutil.copy(path, sources / path.name)
    out = base / "output"
    ingest([sources], out, formats=("csv",))
    with (sources / CHANGED.name).open("ab") as handle:
        handle.write(b"\n% changed after the run\n")
    built = write_review(out, [sources])
    return {"base": base, "sources": sources, "out": out, "page": built.page}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "no chromium on PATH: scripts/setup.sh installs it (scripts/apt-packages.txt)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, run):
    """The review page, opened from its file, with every request that is not a file refused
    (and recorded: none may be attempted)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    attempted: list[str] = []

    def refuse(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", refuse)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("requestfailed", lambda request: errors.append(f"failed: {request.url}") if not request.url.startswith("file:") else None)
    tab.goto(run["page"].as_uri())
    tab.wait_for_selector("body[data-ready=true]")
    yield tab
    context.close()
    assert attempted == [], f"the page tried the network: {attempted}"
    assert errors == []


def participation_key(row: dict[str, str]) -> tuple[str, str]:
    key = {"matrix": int(row["matrix"]), "project_row": int(row["project_row"]), "municipality_code": row["municipality_code"]}
    return row["doc_id"], json.dumps(key, ensure_ascii=False, separators=(",", ":"))


def screenshot(page, path: Path) -> None:
    """A picture for people to look at, once what is on screen has been painted: rows off screen
    are laid out only when scrolled to (content-visibility), a frame after the scroll."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=str(path))


def visible_items(page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#items .item:not([hidden])", "els => els.map(e => ({id: e.dataset.id, text: e.textContent}))")


def test_the_page_shows_every_doubtful_value(run, page) -> None:
    out = run["out"]
    items = visible_items(page)
    text = "\n".join(i["text"] for i in items)
    quality = [q for q in read(out, "quality") if q["doc_id"]]
    assert quality and all(q["message"] in text for q in quality)
    doubtful = [r for r in read(out, "participation") if r["ambiguous"] == "true" or float(r["confidence"]) < LOW_CONFIDENCE]
    assert len(doubtful) > 10
    assert all(participation_key(r)[1] in text for r in doubtful)
    documents = read(out, "documents")
    assert page.locator("#doc-table tr.doc").count() == len(documents)
    changed = next(d for d in documents if d["source_file"] == CHANGED.name)
    row = page.locator(f'#doc-table tr.doc[data-doc="{changed["doc_id"]}"]')
    assert "has changed since the run" in row.inner_text()
    screenshot(page, run["base"] / "review-top.png")


def test_crops_and_source_lines_are_shown(run, page) -> None:
    images = page.locator("#items .item img")
    assert images.count() > 0
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0
    matrix_images = page.locator("#matrices img")
    assert matrix_images.count() >= 1
    # the changed PDF's matrix is shown without a crop, saying why
    assert "has changed since the run" in page.locator("#matrices").inner_text()
    # a text input's doubtful cell: its source line marked
    marked = page.locator("#items pre.lines .mark")
    assert marked.count() > 0
    shown = marked.evaluate_all("marks => marks.map(m => [m.firstChild.textContent, m.lastChild.textContent])")
    files = [p.read_text(encoding="utf-8").split("\n") for p in sorted(run["sources"].glob("*.txt"))]
    assert all(any(line == lines[int(number) - 1] for lines in files) for number, line in shown)
    page.locator("#items pre.lines").first.scroll_into_view_if_needed()
    screenshot(page, run["base"] / "review-items.png")
    page.locator("#matrices .matrix").first.scroll_into_view_if_needed()
    screenshot(page, run["base"] / "review-matrix.png")
    assert page.locator("#series svg polyline").count() > 0
    doubtful_cell = page.locator("#matrices td.doubt[data-item]").first
    doubtful_cell.click()  # a doubtful cell of a grid leads to its value
    assert page.locator("#items .item.current").get_attribute("data-id") == doubtful_cell.get_attribute("data-item")


def test_filters_hide_and_show(run, page) -> None:
    everything = len(visible_items(page))
    page.select_option("#f-code", "total-violated")
    violated = visible_items(page)
    expected = [q for q in read(run["out"], "quality") if q["code"] == "total-violated"]
    assert len(violated) == len(expected) > 0
    assert all("total-violated" in i["text"] for i in violated)
    page.select_option("#f-code", "")
    documents = read(run["out"], "documents")
    seed = next(d for d in documents if d["source_file"].startswith("003_"))
    page.select_option("#f-doc", seed["doc_id"])
    mine = visible_items(page)
    assert 0 < len(mine) < everything
    assert all(i["text"].startswith(seed["source_file"]) for i in mine)
    assert page.locator("#matrices .matrix:not([hidden])").count() == 1
    page.select_option("#f-table", "cells")
    assert all("cells" in i["text"] for i in visible_items(page))
    page.select_option("#f-doc", "")
    cells = visible_items(page)
    assert cells and all("cells ·" in i["text"] for i in cells)
    page.select_option("#f-table", "")
    assert len(visible_items(page)) == everything


def test_downloaded_corrections_round_trip_through_ingest(run, page, tmp_path: Path) -> None:
    """Pick a value for two ambiguous cells with the keyboard, type a municipality name, download
    corrections.csv, ingest again with it: those cells and only those change, and say so."""
    page.select_option("#f-code", "ambiguous")
    page.keyboard.press("Escape")
    for _ in range(2):
        page.keyboard.press("j")
        radios = page.locator("#items .item.current input[type=radio]")
        checked = next(i for i in range(radios.count()) if radios.nth(i).is_checked())
        page.keyboard.press(str((checked + 1) % radios.count() + 1))  # another status than the one read
    page.select_option("#f-code", "municipality-corrected")
    region = page.locator("#items .item:not([hidden])").first
    region.locator("input.value").fill("浦河町")
    region.locator("input.note").fill("checked against the printed list")
    region.locator("input.value").press("Tab")
    assert page.locator("#corr-count").inner_text() == "3 corrections"
    page.keyboard.press("Escape")
    screenshot(page, run["base"] / "review-corrections.png")
    with page.expect_download() as download:
        page.keyboard.press("d")
    path = tmp_path / "corrections.csv"
    download.value.save_as(path)
    corrections = read_corrections(path).rows
    assert len(corrections) == 3
    out = run["base"] / "corrected"
    ingest([run["sources"]], out, formats=("csv",), corrections=read_corrections(path))
    before, after = read(run["out"], "participation"), read(out, "participation")
    old = {participation_key(r): r for r in before}  # the PDF changed after the first run has a new doc_id
    changed = {participation_key(a): (old[participation_key(a)], a) for a in after
               if participation_key(a) in old and old[participation_key(a)] != a}
    fixes = {(c.doc_id, c.row_key): c for c in corrections if c.table == "participation"}
    assert set(changed) == set(fixes) and len(fixes) == 2
    for key, (b, a) in changed.items():
        assert a["status"] == fixes[key].value != b["status"] and a["confidence"] == "1.0" and a["ambiguous"] == "false"
    region_fix = next(c for c in corrections if c.table == "region_members")
    assert region_fix.value == "浦河町" and region_fix.note == "checked against the printed list"
    recorded = [q for q in read(out, "quality") if q["code"] == "corrected-by-reviewer"]
    assert sorted(q["row_key"] for q in recorded) == sorted(c.row_key for c in corrections)
    assert not [q for q in read(out, "quality") if q["code"] == "correction-not-applied"]


def test_review_folder_of_the_user_is_not_replaced(run, tmp_path: Path) -> None:
    assert (run["page"].parent / MARKER).is_file()
    out = tmp_path / "output"
    shutil.copytree(run["out"], out, ignore=shutil.ignore_patterns("review"))
    (out / "review").mkdir()
    (out / "review" / "notes.md").write_text("mine")
    from pipeline.inputs import UsageError

    with pytest.raises(UsageError, match="not written by keikaku review"):
        write_review(out, [run["sources"]])
    assert (out / "review" / "notes.md").read_text() == "mine"
