"""Japanese NLP shared by the extractors: GiNZA (spaCy + SudachiPy) loaded once, lazily.

GiNZA's full pipeline is slow (about 75 sentences/s on two cores), so callers ask only for what
they need: ``parse`` runs the components named (the rest disabled) in batches with
``nlp.pipe``; ``tokens`` uses SudachiPy alone (tens of thousands of sentences/s) for
morphology-only work. Time spent here is accumulated in ``NLP_TIMER`` for the benchmarks.
Municipality names are matched with the gazetteer, never with GiNZA's NER.

SudachiPy refuses a text over 49,149 bytes, so a longer text (a 200,000-character line) is cut
into pieces of at most ``MAX_TEXT_BYTES`` at sentence ends (``text_to_chunks``), each piece is
analysed and the results are joined: same surfaces and offsets as one text, nothing lost.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MODEL = "ja_ginza"
BATCH_SIZE = 64
MAX_TEXT_BYTES = 16_384  # SudachiPy's limit is 49,149 bytes; its normalization may lengthen a text
_SENTENCE_END = re.compile(r"(?<=[。．！？!?\n])")


def text_to_chunks(text: str, max_bytes: int = MAX_TEXT_BYTES) -> list[str]:
    """``text`` in pieces of at most ``max_bytes`` UTF-8 bytes that join back to ``text``: cut at
    sentence ends, a sentence longer than that at any character. A short text is one piece."""
    if len(text) * 4 <= max_bytes or len(text.encode()) <= max_bytes:
        return [text]
    pieces = [part for sentence in _SENTENCE_END.split(text) for part in _cut(sentence, max_bytes // 4)]
    chunks: list[str] = []
    size = 0
    for piece in pieces:
        piece_bytes = len(piece.encode())
        if chunks and size + piece_bytes <= max_bytes:
            chunks[-1] += piece
            size += piece_bytes
        else:
            chunks.append(piece)
            size = piece_bytes
    return chunks


def _cut(sentence: str, width: int) -> list[str]:
    """A sentence in pieces of at most ``width`` characters (4 UTF-8 bytes each at most)."""
    return [sentence[i : i + width] for i in range(0, len(sentence), width)]


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
    pieces = [text_to_chunks(text) for text in texts]
    with nlp.select_pipes(disable=disabled):
        parsed = iter(nlp.pipe([chunk for chunks in pieces for chunk in chunks], batch_size=BATCH_SIZE))
        docs = [_joined([next(parsed) for _ in chunks]) for chunks in pieces]
    NLP_TIMER.add(use, time.perf_counter() - started, len(texts))
    return docs


def _joined(docs: list[Any]) -> Any:
    """One Doc for the pieces of one text (offsets as in the whole text)."""
    if len(docs) == 1:
        return docs[0]
    from spacy.tokens import Doc

    return Doc.from_docs(docs, ensure_whitespace=False, exclude=["user_data"])  # GiNZA's per-piece sub-tokens


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
        for chunk in text_to_chunks(text)
        for m in tokenizer.tokenize(chunk, mode)
    ]
    NLP_TIMER.add(use, time.perf_counter() - started, 1)
    return morphemes


def iter_tokens(texts: Iterable[str], *, use: str = "tokens") -> Iterator[list[Morpheme]]:
    for text in texts:
        yield tokens(text, use=use)
