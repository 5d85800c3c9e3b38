"""Japanese NLP shared by the extractors: GiNZA (spaCy + SudachiPy) loaded once, lazily.

GiNZA's full pipeline is slow (about 75 sentences/s on two cores), so callers ask only for what
they need: ``parse`` runs the components named (the rest disabled) in batches with
``nlp.pipe``; ``tokens`` uses SudachiPy alone (tens of thousands of sentences/s) for
morphology-only work. Time spent here is accumulated in ``NLP_TIMER`` for the benchmarks.
Municipality names are matched with the gazetteer, never with GiNZA's NER.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MODEL = "ja_ginza"
BATCH_SIZE = 64


@dataclass
class NlpTimer:
    """Seconds spent inside NLP calls in this process (read by benchmarks)."""

    seconds: float = 0.0
    calls: int = 0
    texts: int = 0
    by_use: dict[str, float] = field(default_factory=dict)

    def add(self, use: str, seconds: float, texts: int) -> None:
        self.seconds += seconds
        self.calls += 1
        self.texts += texts
        self.by_use[use] = self.by_use.get(use, 0.0) + seconds


NLP_TIMER = NlpTimer()


@functools.cache
def ginza() -> Any:
    """The GiNZA pipeline, loaded on first use only (about 1 s and 500 MB)."""
    import spacy

    started = time.perf_counter()
    nlp = spacy.load(MODEL)
    NLP_TIMER.add("load", time.perf_counter() - started, 0)
    return nlp


def parse(texts: Sequence[str], *, components: Iterable[str] = ("tok2vec", "parser"), use: str = "parse") -> list[Any]:
    """spaCy Docs for ``texts`` with only ``components`` enabled (others disabled), batched.

    The tokenizer (SudachiPy) always runs; 'morphologizer' is needed for POS beyond Sudachi's
    tags, 'parser' for dependencies and noun chunks, 'tok2vec' for vectors and the parser."""
    nlp = ginza()
    wanted = set(components)
    disabled = [name for name in nlp.pipe_names if name not in wanted]
    started = time.perf_counter()
    with nlp.select_pipes(disable=disabled):
        docs = list(nlp.pipe(texts, batch_size=BATCH_SIZE))
    NLP_TIMER.add(use, time.perf_counter() - started, len(texts))
    return docs


@functools.cache
def _sudachi() -> Any:
    from sudachipy import dictionary, tokenizer

    return dictionary.Dictionary(dict="core").create(), tokenizer.Tokenizer.SplitMode.C


@dataclass(frozen=True)
class Morpheme:
    surface: str
    lemma: str
    pos: tuple[str, ...]  # Sudachi part-of-speech fields, e.g. ('動詞', '非自立可能', ...)
    reading: str


def tokens(text: str, *, use: str = "tokens") -> list[Morpheme]:
    """Morphemes of ``text`` with plain SudachiPy: fast, no parsing."""
    tokenizer, mode = _sudachi()
    started = time.perf_counter()
    morphemes = [
        Morpheme(m.surface(), m.dictionary_form(), tuple(m.part_of_speech()), m.reading_form())
        for m in tokenizer.tokenize(text, mode)
    ]
    NLP_TIMER.add(use, time.perf_counter() - started, 1)
    return morphemes


def iter_tokens(texts: Iterable[str], *, use: str = "tokens") -> Iterator[list[Morpheme]]:
    for text in texts:
        yield tokens(text, use=use)
