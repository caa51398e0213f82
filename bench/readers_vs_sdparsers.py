"""Our readers against sd-parsers (the one maintained independent reader) on our own fixture
files, each written as the tool's saving code writes it: the ComfyUI graphs of
tests/unit/test_reader_comfyui.py (facts = every non-empty expected field), and one file each of
the formats added in issue 12 (stealth PNG info, Civitai's generator, SwarmUI, Easy Diffusion,
Draw Things, as readers built from its real files describe it: its saving code is not public).

sd-parsers lists every sampler of a graph without saying which made the image, so it is scored
generously: a fact counts if any of its samplers, prompts or leftover-node metadata holds it.

    .venv/bin/python bench/readers_vs_sdparsers.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image
from sd_parsers import ParserManager

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "unit"))
from readers_support import raw_of
from test_reader_comfyui import CASES, expected_record, generation

from latentdam.extract.metadata import read_generation
from latentdam.testing import formats as f
from latentdam.testing.comfyui import write_comfyui_png


def _values(obj: Any, out: list[Any]) -> list[Any]:
    if isinstance(obj, dict):
        for v in obj.values():
            _values(v, out)
    elif isinstance(obj, list | tuple | set):
        for v in obj:
            _values(v, out)
    else:
        out.append(obj)
    return out


def sd_parsers_facts(info: Any, expected: dict[str, Any]) -> tuple[int, list[str]]:
    samplers = list(info.samplers) if info else []
    prompts = [p.value for p in (info.prompts if info else [])] + [
        p.value for s in samplers for p in s.prompts
    ]
    negatives = [p.value for p in (info.negative_prompts if info else [])]
    negatives += [p.value for s in samplers for p in s.negative_prompts]
    models = {str(s.model.name) for s in samplers if s.model}
    params = [s.parameters for s in samplers]
    meta = _values(info.metadata if info else {}, [])
    every = meta + _values(params, [])
    every += [str(v) for v in every]
    got, missed = 0, []
    for name, want in expected.items():
        if name == "prompt":
            ok = want in prompts or all(part in prompts for part in want.split("\n"))
        elif name == "negative_prompt":
            ok = want in negatives
        elif name == "model":
            ok = want in models
        elif name == "models":
            ok = set(want) <= models
        elif name == "loras":
            ok = all(
                lo.name in str(info.metadata if info else "") and (lo.weight is None or lo.weight in every)
                for lo in want
            )
        elif name == "controlnets":
            ok = all(c in str(info.metadata if info else "") for c in want)
        elif name == "sampler":
            ok = want in [s.name for s in samplers]
        elif name == "cfg":
            ok = want in [p.get("cfg_scale") for p in params] or want in every or str(want) in every
        elif name == "seed":
            ok = (
                any(
                    want in (p.get("seed"), p.get("noise_seed"), str(p.get("seed")))
                    or str(want) == str(p.get("seed"))
                    for p in params
                )
                or want in meta
            )
        else:
            ok = want in every or str(want) in every
        got += ok
        if not ok:
            missed.append(name)
    return got, missed


def comfyui(folder: Path, pm: ParserManager) -> tuple[int, int, int]:
    print(f"{'ComfyUI graph':30} {'facts':>5} {'sd-parsers':>10} {'ours':>5}   sd-parsers misses")
    totals = [0, 0, 0]
    for case, (build, facts) in CASES.items():
        expected = {k: v for k, v in expected_record(facts).items() if v not in (None, "", [])}
        prompt, workflow = build()
        path = write_comfyui_png(folder / f"{case}.png", Image.new("RGB", (16, 16)), prompt, workflow)
        ours = generation(read_generation(raw_of(path)).record)
        mine = sum(ours[k] == v for k, v in expected.items())
        theirs, missed = sd_parsers_facts(pm.parse(str(path)), expected)
        print(f"{case:30} {len(expected):5} {theirs:10} {mine:5}   {', '.join(missed)}")
        for i, n in enumerate((len(expected), theirs, mine)):
            totals[i] += n
    print(f"{'total':30} {totals[0]:5} {totals[1]:10} {totals[2]:5}")
    return totals[0], totals[1], totals[2]


def other_formats(folder: Path, pm: ParserManager) -> None:
    settings = {
        "Steps": 28,
        "Sampler": "DPM++ 2M",
        "CFG scale": 6.5,
        "Seed": 3141,
        "Size": "512x768",
        "Model": "dreamshaper_8",
    }
    files = {
        "stealth PNG info (alpha, gzip)": f.write_png(
            folder / "stealth.png",
            f.stealth_image(
                f.make_image(1, (128, 128)), f.a1111_parameters("a lighthouse", "blurry", settings)
            ),
        ),
        "Civitai generator (JPEG)": f.write_jpeg_with_usercomment(
            folder / "civitai.jpeg", f.make_image(2), f.civitai_parameters("a knight", "lowres")
        ),
        "SwarmUI (PNG)": f.write_png(
            folder / "swarm.png", f.make_image(3), {"parameters": f.swarmui_parameters("a nook", "people")}
        ),
        "Easy Diffusion (PNG)": f.write_png(
            folder / "ed.png", f.make_image(4), f.easydiffusion_chunks("a map", "text", loras=[("x", 0.8)])
        ),
        "Draw Things (PNG, XMP)": f.write_png(
            folder / "dt.png",
            f.make_image(5),
            xmp=f.drawthings_xmp("a harbour", "blurry", loras=[("y.ckpt", 0.6)]),
        ),
    }
    fields = (
        "prompt",
        "negative_prompt",
        "model",
        "loras",
        "sampler",
        "steps",
        "cfg",
        "seed",
        "width",
        "height",
    )
    print(f"\n{'format':32} {'ours: tool, fields':28} sd-parsers")
    for name, path in files.items():
        record = read_generation(raw_of(path)).record
        filled = [k for k in fields if getattr(record, k) not in (None, "", [])]
        info = pm.parse(str(path))
        theirs = (
            "nothing"
            if info is None
            else f"{info.generator.name}: model {'yes' if any(s.model for s in info.samplers) else 'no'}"
        )
        print(f"{name:32} {record.tool!s:>13}, {len(filled):2}/{len(fields)}     {theirs}")


def main() -> int:
    pm = ParserManager()
    with tempfile.TemporaryDirectory() as tmp:
        comfyui(Path(tmp), pm)
        other_formats(Path(tmp), pm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
