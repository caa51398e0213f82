"""Fit the relevance prior that libraries too small to fit their own use (< 10 assets).

The prior is fitted exactly as a library fits its own model (search/relevance.py), on the
998-prompt bench library that bench/quality.py builds, and written into the package:

    .venv/bin/python bench/quality.py             # builds /tmp/latentdam-bench once
    .venv/bin/python scripts/fit_relevance_prior.py [--workdir /tmp/latentdam-bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from latentdam import Library, Settings
from latentdam.embed import TextEmbedder
from latentdam.search.relevance import fit_relevance
from latentdam.search.signal import Signal, signal_of

TARGET = Path(__file__).resolve().parents[1] / "src" / "latentdam" / "search" / "relevance_prior.json"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/latentdam-bench"))
    args = parser.parse_args()
    lib = Library.open(settings=Settings(library=args.workdir / "library"))
    priors = {}
    for space in lib.store.active:
        if signal_of(space) is not Signal.SEMANTIC:
            continue
        embedder = lib.embedders.get(space)
        assert isinstance(embedder, TextEmbedder)
        model = fit_relevance(lib.store, space, embedder, lib._vocabulary(space), blend=False)
        if model is None:
            raise SystemExit(f"{args.workdir} is too small to fit a prior; run bench/quality.py first")
        priors[space.name] = {**model.to_dict(), "assets": 0}  # 0: a prior, not this library's own
    TARGET.write_text(json.dumps(priors, indent=2) + "\n")
    print(f"wrote {TARGET}: {priors}")


if __name__ == "__main__":
    main()
