"""Where each category label of a priority-measure matrix starts: chosen among the rows near
where it was printed, weighing the distance, page changes and the GiNZA similarity of label and
project names (``place_labels``; ``place_chain`` holds the decision rule)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from extractors.content.priority_entries import ROW_ORDER, Anchor, Entry, row_issue
from extractors.content.priority_rows import MatrixRow
from schemas.quality import Code, Issue, Severity

# --- label placement ------------------------------------------------------------------------------

Similarity = Callable[[str, str], float]


@dataclass(frozen=True)
class PlacementSettings:
    """Weights of the evidence ``place_chain`` combines (similarities are in [0, 1])."""

    window: int = 2  # a label is printed at most this many rows from the first row it covers
    distance_cost: float = 0.12  # per row between where a label is printed and its first row
    shift_change_cost: float = 0.1  # when a label is displaced differently from the one before
    page_bonus: float = 0.1  # a field tends to start where the page reference changes
    parent_weight: float = 0.5  # weight of the labels above a leaf in a row's affinity to it
    uncertain_margin: float = 0.1  # a placement winning by less is reported as uncertain

    def __post_init__(self) -> None:
        weights = (self.distance_cost, self.shift_change_cost, self.page_bonus, self.parent_weight, self.uncertain_margin)
        if self.window < 0 or min(weights) < 0:
            raise ValueError("placement settings must not be negative")


DEFAULT_SETTINGS = PlacementSettings()


@dataclass(frozen=True)
class Slot:
    """A leaf label (no label below it) in the chain, and where its rows may start."""

    anchor: int  # index into the anchors
    printed: int  # matrix row where the label is printed
    candidates: tuple[tuple[int, float], ...]  # (first project, prior = minus the distance cost)
    contains: tuple[int, ...] = ()  # projects the label must cover (fixed anchors)


@dataclass(frozen=True)
class ChainResult:
    starts: tuple[int, ...]
    runner_up: tuple[int | None, ...]  # best other first project of each slot
    margins: tuple[float, ...]  # score lost by taking the runner-up instead


@dataclass(frozen=True)
class Placement:
    """For each project, the anchor index of its label at each level (None: no label)."""

    labels: tuple[tuple[int | None, ...], ...]
    uncertain: tuple[tuple[int, str], ...] = ()  # (project, message)
    issues: tuple[Issue, ...] = field(default=())


def anchors_to_parents(anchors: Sequence[Anchor], window: int) -> tuple[int | None, ...]:
    """Parent of each label: the nearest label one level up before it in print order; a first
    child (value 1) printed just before the next parent's label belongs to that parent."""
    parents: list[int | None] = []
    for i, a in enumerate(anchors):
        before = [j for j in range(i) if anchors[j].level == a.level - 1]
        after = [j for j in range(i + 1, len(anchors)) if anchors[j].level == a.level - 1]
        parent = before[-1] if before else None
        if (
            a.value == 1
            and after
            and _has_first_child(anchors, parents, parent)
            and abs(anchors[after[0]].project - a.project) <= window
        ):
            parent = after[0]
        parents.append(parent)
    return tuple(parents)


def _has_first_child(anchors: Sequence[Anchor], parents: Sequence[int | None], parent: int | None) -> bool:
    return parent is None or any(p == parent and anchors[j].value == 1 for j, p in enumerate(parents))


def leaves_to_slots(
    anchors: Sequence[Anchor], parents: Sequence[int | None], positions: Sequence[int], settings: PlacementSettings
) -> list[Slot]:
    """One slot per leaf label, in print order. Candidates are the projects printed within
    ``window`` rows of the label (or of the labels above it, for their first child), each with
    the distance cost; the first slot starts at the first project unless printed far below it."""
    has_child = {p for p in parents if p is not None}
    leaves = [i for i in range(len(anchors)) if i not in has_child]
    slots = []
    for k, i in enumerate(leaves):
        chain = [i, *_first_child_ancestors(i, parents)]
        printed = [anchors[j].order // ROW_ORDER for j in chain]
        contains = tuple(anchors[j].project for j in chain if anchors[j].fixed)

        distance = [min(abs(position - row) for row in printed) for position in positions]
        near = [p for p, d in enumerate(distance) if d <= settings.window] or [distance.index(min(distance))]
        if k == 0 and distance[0] <= settings.window:
            near = [0]
        slots.append(Slot(i, printed[0], tuple((p, -settings.distance_cost * distance[p]) for p in near), contains))
    return slots


def _first_child_ancestors(i: int, parents: Sequence[int | None]) -> list[int]:
    """Ancestors of label ``i`` whose first child (down to ``i``) is ``i``'s line."""
    out = []
    child, parent = i, parents[i]
    while parent is not None and min(j for j, p in enumerate(parents) if p == parent) == child:
        out.append(parent)
        child, parent = parent, parents[parent]
    return out


def place_chain(
    slots: Sequence[Slot], affinity: np.ndarray, boundary: np.ndarray, positions: Sequence[int], shift_change_cost: float
) -> ChainResult | None:
    """First project of each slot, maximizing

        sum over projects of affinity(project, its slot)   (GiNZA similarity of name and label)
      + sum over slots of prior(first project)             (minus the distance from the label)
      + sum over boundaries of boundary(first project)     (page reference changes there)
      - shift_change_cost for each slot displaced differently from the slot before it

    under: first projects strictly increase (each label covers a project) and each slot covers
    the projects it must contain. The last term says extraction damage shifts a run of labels
    alike. Exact dynamic programming over the candidates; the margin of a slot is what the best
    placement loses when that slot takes its best other candidate (max-marginals), so a small
    margin means the evidence hardly decided. None when no placement meets the constraints.
    """
    n, k = affinity.shape
    cum = np.vstack([np.zeros((1, k)), np.cumsum(affinity, axis=0)])

    def shift(i: int, start: int) -> int:
        return positions[start] - slots[i].printed

    def step(i: int, start: int, end: int, prior: float) -> float:
        """Slot ``i`` covering projects [start, end) and slot i + 1 starting at ``end``."""
        if start >= end or any(not start <= r < end for r in slots[i].contains):
            return -math.inf
        change = shift_change_cost if shift(i, start) != shift(i + 1, end) else 0.0
        return float(cum[end, i] - cum[start, i]) + prior + float(boundary[end]) - change

    def last(start: int) -> float:
        ok = all(start <= r for r in slots[-1].contains)
        return float(cum[n, k - 1] - cum[start, k - 1]) if ok else -math.inf

    forward = [{s: p - (shift_change_cost if shift(0, s) else 0.0) for s, p in slots[0].candidates}]
    for i in range(1, k):
        forward.append(
            {
                s: max((f + step(i - 1, t, s, p) for t, f in forward[-1].items()), default=-math.inf)
                for s, p in slots[i].candidates
            }
        )
    backward = [{s: last(s) for s, _ in slots[-1].candidates}]
    for i in range(k - 2, -1, -1):
        after = backward[0]
        backward.insert(
            0,
            {
                s: max((step(i, s, t, p) + after[t] for t, p in slots[i + 1].candidates), default=-math.inf)
                for s, _ in slots[i].candidates
            },
        )
    totals = [{s: forward[i][s] + backward[i][s] for s in forward[i]} for i in range(k)]
    best = max(totals[0].values())
    if best == -math.inf:
        return None
    starts = [max(totals[0], key=lambda s: (totals[0][s], -s))]
    for i in range(1, k):
        options = {t: step(i - 1, starts[-1], t, p) + backward[i][t] for t, p in slots[i].candidates}
        starts.append(max(options, key=lambda t: (options[t], -t)))
    runners, margins = zip(*(_runner_up(totals[i], starts[i], best) for i in range(k)), strict=True)
    return ChainResult(tuple(starts), tuple(runners), tuple(margins))


def _runner_up(marginal: Mapping[int, float], start: int, best: float) -> tuple[int | None, float]:
    others = [(s, v) for s, v in marginal.items() if s != start and v > -math.inf]
    if not others:
        return None, math.inf
    s, v = max(others, key=lambda item: (item[1], -abs(item[0] - start)))
    return s, best - v


def place_labels(
    anchors: Sequence[Anchor],
    projects: Sequence[Entry],
    levels: int,
    similarity: Similarity,
    settings: PlacementSettings = PlacementSettings(),
) -> Placement:
    """Which label covers each project at each level (see ``place_chain`` for the rule)."""
    n = len(projects)
    rows = [e.row for e in projects]
    positions = [e.position for e in projects]
    parents = anchors_to_parents(anchors, settings.window)
    slots = leaves_to_slots(anchors, parents, positions, settings)
    if not slots or n == 0:
        return Placement(tuple((None,) * levels for _ in range(n)))
    affinity = slots_to_affinity(slots, anchors, parents, rows, similarity, settings.parent_weight)
    boundary = rows_to_boundary(rows, settings.page_bonus)
    result = place_chain(slots, affinity, boundary, positions, settings.shift_change_cost)
    issues: tuple[Issue, ...] = ()
    if result is None:  # the fixed anchors contradict each other: let the evidence decide alone
        slots = [replace(slot, contains=()) for slot in slots]
        result = place_chain(slots, affinity, boundary, positions, settings.shift_change_cost)
        issues = (
            row_issue(
                Code.LABEL_PLACEMENT_UNCERTAIN,
                Severity.WARNING,
                rows[0],
                "label-only rows contradict each other; their labels were placed by the other evidence alone",
            ),
        )
    if result is None:  # more labels than projects: some labels cannot cover a project
        return Placement(
            tuple((None,) * levels for _ in range(n)),
            issues=(
                row_issue(
                    Code.LABEL_PLACEMENT_UNCERTAIN,
                    Severity.WARNING,
                    rows[0],
                    "more category labels than projects; categories left empty",
                ),
            ),
        )
    labels = tuple(_labels_of_row(r, slots, result.starts, anchors, parents, levels) for r in range(n))
    uncertain = tuple(_uncertain_rows(slots, result, anchors, rows, settings.uncertain_margin))
    return Placement(labels, uncertain, issues)


def slots_to_affinity(
    slots: Sequence[Slot],
    anchors: Sequence[Anchor],
    parents: Sequence[int | None],
    rows: Sequence[MatrixRow],
    similarity: Similarity,
    parent_weight: float,
) -> np.ndarray:
    """affinity[project, slot]: similarity of the project name to the leaf label, plus
    ``parent_weight`` (squared, cubed … going up) times its similarity to the labels above."""
    out = np.zeros((len(rows), len(slots)))
    for k, slot in enumerate(slots):
        chain = [slot.anchor, *_ancestors(slot.anchor, parents)]
        for r, row in enumerate(rows):
            if row.name:
                out[r, k] = sum(
                    parent_weight**depth * similarity(row.name, anchors[j].label.body) for depth, j in enumerate(chain)
                )
    return out


def rows_to_boundary(rows: Sequence[MatrixRow], page_bonus: float) -> np.ndarray:
    """boundary[r]: layout evidence that a label starts at project r. Rows of one field are
    described on consecutive pages and a field often starts a page, so a change of page
    reference between projects r - 1 and r earns ``page_bonus``."""
    out = np.zeros(len(rows))
    for r in range(1, len(rows)):
        before, here = rows[r - 1].page, rows[r].page
        if before is not None and here is not None and before != here:
            out[r] = page_bonus
    return out


def _project_text(row: MatrixRow) -> str:
    return f"NO {row.number} '{row.name or ''}'"


def _ancestors(i: int, parents: Sequence[int | None]) -> list[int]:
    out = []
    while (parent := parents[i]) is not None:
        out.append(parent)
        i = parent
    return out


def _labels_of_row(
    r: int, slots: Sequence[Slot], starts: Sequence[int], anchors: Sequence[Anchor], parents: Sequence[int | None], levels: int
) -> tuple[int | None, ...]:
    covering = [k for k, start in enumerate(starts) if start <= r]
    out: list[int | None] = [None] * levels
    if covering:
        leaf = slots[covering[-1]].anchor
        for j in [leaf, *_ancestors(leaf, parents)]:
            out[anchors[j].level] = j
    return tuple(out)


def _uncertain_rows(
    slots: Sequence[Slot], result: ChainResult, anchors: Sequence[Anchor], rows: Sequence[MatrixRow], threshold: float
) -> list[tuple[int, str]]:
    """(project, message) for projects that change label between the best placement and a
    runner-up scoring within ``threshold``."""
    out = []
    for slot, start, runner, margin in zip(slots, result.starts, result.runner_up, result.margins, strict=True):
        if runner is None or margin >= threshold:
            continue
        label = anchors[slot.anchor].label.text
        message = (
            f"label '{label}' placed from {_project_text(rows[start])} "
            f"(next best: from {_project_text(rows[runner])}, margin {margin:.3f})"
        )
        out += [(r, message) for r in range(min(start, runner), max(start, runner))]
    return out


# --- similarity with GiNZA ------------------------------------------------------------------------

CONTENT_TAGS = ("名詞", "動詞-一般", "形容詞", "形状詞")
NON_CONTENT_TAGS = ("名詞-数詞",)


@dataclass(frozen=True)
class Word:
    lemma: str
    weight: float  # IDF over the document's names and labels
    vector: np.ndarray | None  # unit GiNZA word vector; None when out of vocabulary


def texts_to_similarity(texts: Sequence[str]) -> Similarity:
    """GiNZA similarity of the given texts (the names and labels of one document), built in
    one batch: Sudachi tokenization only (every pipeline component disabled), then GiNZA's
    static word vectors of the content words (nouns, verbs, adjectives)."""
    from extractors.normalize.nlp import parse

    unique = sorted({t for t in texts if t})
    docs = parse(unique, components=(), use="priority_matrix")
    lemmas = {text: _content_tokens(doc) for text, doc in zip(unique, docs, strict=True)}
    idf = lemmas_to_idf([[lemma for lemma, _ in tokens] for tokens in lemmas.values()])
    words = {text: tuple(Word(lemma, idf[lemma], vector) for lemma, vector in tokens) for text, tokens in lemmas.items()}
    return WordAlignment(words)


def _content_tokens(doc: object) -> list[tuple[str, np.ndarray | None]]:
    out = []
    for token in doc:  # type: ignore[attr-defined]
        if token.tag_.startswith(CONTENT_TAGS) and not token.tag_.startswith(NON_CONTENT_TAGS):
            vector = None if token.is_oov else np.asarray(token.vector, dtype=float)
            norm = float(np.linalg.norm(vector)) if vector is not None else 0.0
            out.append((token.lemma_, vector / norm if norm else None))
    return out


def lemmas_to_idf(texts: Sequence[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency over the document's names and labels: the words most names
    share (the stock verbs and nouns of administrative style) weigh little."""
    df = Counter(lemma for lemmas in texts for lemma in set(lemmas))
    return {lemma: math.log(1 + len(texts) / count) for lemma, count in df.items()}


@dataclass(frozen=True, eq=False)
class WordAlignment:
    """Symmetric word alignment: each content word of one text is matched with its most
    similar word of the other (cosine of GiNZA vectors; equal lemmas 1), averaged with IDF
    weights, both ways. Unlike the cosine of mean vectors (``Doc.similarity``), one strong match
    between a label word and a name word is not drowned by the generic words around it.
    0 when a text has no content word."""

    words: Mapping[str, tuple[Word, ...]]

    def __call__(self, a: str, b: str) -> float:
        wa, wb = self.words.get(a, ()), self.words.get(b, ())
        if not wa or not wb:
            return 0.0
        return (_align(wa, wb) + _align(wb, wa)) / 2


def _align(source: Sequence[Word], target: Sequence[Word]) -> float:
    total = sum(w.weight for w in source)
    return sum(w.weight * max(_word_similarity(w, t) for t in target) for w in source) / total if total else 0.0


def _word_similarity(a: Word, b: Word) -> float:
    if a.lemma == b.lemma:
        return 1.0
    if a.vector is None or b.vector is None:
        return 0.0
    return max(0.0, float(a.vector @ b.vector))
