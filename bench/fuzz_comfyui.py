"""Coverage-guided fuzzing (atheris, libFuzzer) of the ComfyUI graph reader: mutated `prompt`
and `workflow` chunks, seeded with the test graphs (tests' ComfyUI builders), must give a record
or CorruptMetadata — any other exception is a crash, an input over 5 s a hang.

    .venv/bin/pip install -e '.[bench]'          # atheris
    .venv/bin/python bench/fuzz_comfyui.py [--seconds 120] [--workdir /tmp/latentdam-bench]

Writes the seed corpus and anything libFuzzer finds under WORKDIR/fuzz-comfyui/; a crash stops
the run with the input saved as crash-<sha1> and its traceback printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from latentdam.errors import CorruptMetadata
    from latentdam.extract.raw import RawMetadata
    from latentdam.extract.readers.comfyui import ComfyUIReader

from latentdam.testing.comfyui import GRAPHS

READER = ComfyUIReader()


def one_input(data: bytes) -> None:
    if not data:
        return
    # first byte: which chunks; the rest: their text, as UTF-8 (so the seed graphs stay JSON)
    text = data[1:].decode("utf-8", errors="surrogateescape")
    chunks = [{"prompt": text}, {"workflow": text}, {"prompt": text, "workflow": text}][data[0] % 3]
    meta = RawMetadata("PNG", 16, 16, text=chunks)
    try:
        if READER.can_read(meta):
            READER.read(meta)
    except CorruptMetadata:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/latentdam-bench"))
    args, rest = parser.parse_known_args()
    corpus = args.workdir / "fuzz-comfyui"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, build in GRAPHS.items():
        prompt, workflow = build()
        for choice, graph in ((0, prompt), (1, workflow)):
            (corpus / f"seed-{name}-{choice}").write_bytes(bytes([choice]) + json.dumps(graph).encode())
    flags = [
        f"-max_total_time={args.seconds}",
        "-timeout=5",  # an input over 5 s is a hang
        "-rss_limit_mb=3072",
        "-max_len=65536",
        f"-artifact_prefix={corpus}/",
    ]
    atheris.Setup([sys.argv[0], *rest, str(corpus), *flags], one_input)
    atheris.Fuzz()  # libFuzzer ends the process when the time is up, or at a crash or hang
    return 0


if __name__ == "__main__":
    sys.exit(main())
