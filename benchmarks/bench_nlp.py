"""NLP cost over seeds/: how much of the run time of the GiNZA-using extractors is NLP.

Runs every extractor whose module uses ``extractors.normalize.nlp`` (found by reading the modules, so a new
one is included without editing this file) over every sample, and reports per extractor its time,
the part spent inside ``extractors.normalize.nlp`` (``NLP_TIMER``) and that share. The model load is timed
apart: it happens once per process, not per document. Baseline (same run): reading the bytes,
decoding and finding the tables of every sample, the least any pipeline must do; ratios are against it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPEAT = 3
_USES_NLP_RE = re.compile(
    r"^\s*(?:from extractors\.normalize(?:\.nlp| import [^\n]*\bnlp\b))", re.M
)


def nlp_extractors() -> list[Any]:
    """The metrics and regions extractors, and an instance of every other concrete Extractor
    defined in a module of ``extractors.content`` that imports ``extractors.normalize.nlp``."""
    import extractors.content as content
    from extractors.content.base import Extractor
    from extractors.content.metrics import MetricsExtractor
    from extractors.content.regions import RegionListExtractor

    found: list[Any] = [MetricsExtractor(), RegionListExtractor()]
    for info in sorted(pkgutil.iter_modules(content.__path__), key=lambda m: m.name):
        path = Path(content.__path__[0]) / f"{info.name}.py"
        if info.ispkg or info.name == "nlp" or not path.exists() or not _USES_NLP_RE.search(path.read_text("utf-8")):
            continue
        module = importlib.import_module(f"extractors.content.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            known = any(type(e) is cls for e in found)
            if issubclass(cls, Extractor) and cls.__module__ == module.__name__ and not inspect.isabstract(cls) and not known:
                found.append(cls())
    return found


def read_samples() -> list[tuple[Any, tuple[Any, ...]]]:
    from extractors.readers import read_document

    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        document = read_document(path.read_bytes(), path.name)
        out.append((document, document.tables))  # type: ignore[arg-type]
    return out


def baseline_seconds() -> float:
    started = time.perf_counter()
    read_samples()
    return time.perf_counter() - started


def run_extractor(extractor: Any, samples: list[tuple[Any, tuple[Any, ...]]]) -> tuple[float, float, dict[str, float]]:
    """(seconds, seconds inside NLP, NLP seconds by use) of one pass over the samples."""
    from extractors.content.base import ExtractContext
    from extractors.normalize.nlp import NLP_TIMER

    seconds, by_use = NLP_TIMER.seconds, dict(NLP_TIMER.by_use)
    started = time.perf_counter()
    for document, tables in samples:
        extractor.extract(document, tables, ExtractContext())
    elapsed = time.perf_counter() - started
    uses = {use: t - by_use.get(use, 0.0) for use, t in NLP_TIMER.by_use.items() if t - by_use.get(use, 0.0) > 0}
    return elapsed, NLP_TIMER.seconds - seconds, uses


def model_load_seconds() -> float:
    """Time to load GiNZA in this process (0 when something loaded it already)."""
    from extractors.normalize import nlp

    before = nlp.NLP_TIMER.by_use.get("load", 0.0)
    nlp.ginza()
    return nlp.NLP_TIMER.by_use.get("load", 0.0) - before


def main() -> None:
    extractors = nlp_extractors()
    load = model_load_seconds()
    samples = read_samples()
    for extractor in extractors:  # warm caches (gazetteer, first batches) once
        run_extractor(extractor, samples)
    base = min(baseline_seconds() for _ in range(REPEAT))
    print(f"baseline read of {len(samples)} samples: {base * 1000:.1f} ms")
    print(f"GiNZA model load (once per process, not in the figures below): {load * 1000:.0f} ms")
    total = nlp_total = 0.0
    for extractor in extractors:
        seconds, nlp_seconds, uses = min((run_extractor(extractor, samples) for _ in range(REPEAT)), key=lambda r: r[0])
        total, nlp_total = total + seconds, nlp_total + nlp_seconds
        share = nlp_seconds / seconds if seconds else 0.0
        split = ", ".join(f"{use} {t * 1000:.1f} ms" for use, t in sorted(uses.items())) or "no NLP call"
        print(
            f"  {extractor.name:<16} {seconds * 1000:8.1f} ms  NLP {nlp_seconds * 1000:8.1f} ms ({share:5.1%})  ratio {seconds / base:6.1f}x baseline  [{split}]"
        )
    share = nlp_total / total if total else 0.0
    print(
        f"all NLP extractors: {total * 1000:.1f} ms, NLP {nlp_total * 1000:.1f} ms ({share:.1%}), ratio {total / base:.1f}x baseline"
    )
    with_load = (nlp_total + load) / (total + load) if total + load else 0.0
    print(f"NLP share counting one model load: {with_load:.1%}")


if __name__ == "__main__":
    main()
