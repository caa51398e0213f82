"""Multi-pass ComfyUI workflows: the record speaks for the sampler that made the saved image,
and keeps every pass (`stages`), through the reader, the reader boundary, the store, search
filters, facets and `show`."""

from __future__ import annotations

import copy
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from latentdam import Library, Settings
from latentdam.cli import app
from latentdam.embed import TextEmbedder
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.comfyui import ComfyUIReader
from latentdam.extract.record import ControlNet, GenerationRecord, LoRA, Stage
from latentdam.extract.sanitize import MAX_STAGES, sanitized
from latentdam.extract.text import embedding_text, keyword_text
from latentdam.search.query import SearchQuery
from latentdam.store.schema import STAGE_FIELDS
from latentdam.testing import comfyui as graphs
from latentdam.testing.comfyui import write_comfyui_png
from latentdam.testing.formats import make_image

READER = ComfyUIReader()


def _read(prompt: dict[str, Any]) -> GenerationRecord:
    return READER.read(RawMetadata(format="PNG", width=16, height=16, text={"prompt": json.dumps(prompt)}))


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Fails a test that runs for a minute: a walk gone quadratic hangs instead of finishing."""

    def fail(*_: Any) -> None:
        raise TimeoutError("the graph walk did not finish within 60 s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_base_and_refiner_are_both_stages() -> None:
    record = _read(graphs.sdxl_base_refiner()[0])
    base, refiner = record.stages
    assert (base.node, refiner.node) == ("10", "11")
    assert (base.model, refiner.model) == ("sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors")
    # the refiner adds no noise (add_noise disable, noise_seed 0): its seed is the base's
    assert base.seed == refiner.seed == 721897303308196
    assert base.positive == "\n".join(
        ["a majestic snow leopard on a rocky ledge, golden hour, national geographic"]
    )
    assert refiner.negative == "cartoon, painting, blurry, deformed"
    assert record.diffusion_models() == ["sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors"]


def test_each_pass_keeps_its_own_settings() -> None:
    first, hires = _read(graphs.sd15_hires_fix()[0]).stages
    assert (first.seed, first.steps, first.denoise, first.width, first.height) == (3301, 25, 1.0, 512, 768)
    assert (hires.seed, hires.steps, hires.denoise, hires.width, hires.height) == (9902, 15, 0.5, 768, 1152)
    assert first.loras == [] and hires.loras == [LoRA("detail_tweaker_xl.safetensors", 0.5)]
    assert _read(graphs.controlnet_depth()[0]).stages[0].controlnets == [
        ControlNet("control_v11f1p_sd15_depth.pth", 0.85)
    ]
    # the denoise of a custom sampler lives on its scheduler node
    assert _read(graphs.flux_dev()[0]).stages[0].denoise == 1.0


def test_every_distinct_prompt_is_searchable() -> None:
    record = _read(graphs.noisy_latent_composition()[0])
    assert len(record.stages) == 4
    assert record.prompt.startswith("a girl with long blue hair and a red fox")  # the finishing pass
    embedded, keywords = embedding_text(record), keyword_text(record, "x.png")
    for part in ("a beautiful forest, river", "standing, forest background", "a red fox sitting"):
        assert part in embedded and part in keywords
    # one pass: the texts are what they were before stages existed
    single = _read(graphs.sd15_txt2img()[0])
    assert len(single.stages) == 1
    assert embedding_text(single) == "beautiful scenery nature glass bottle landscape, purple galaxy bottle"


def _renumbered(graph: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The same API graph with every node id (and every link to it) prefixed."""
    out = {}
    for nid, node in copy.deepcopy(graph).items():
        for key, value in node["inputs"].items():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) in graph:
                node["inputs"][key] = [prefix + str(value[0]), value[1]]
        out[prefix + nid] = node
    return out


def test_a_sampler_that_does_not_feed_the_saved_image_is_not_a_stage() -> None:
    """Two pipelines in one graph, each with its own save: the first save's image is the one."""
    g = graphs.sd15_txt2img()[0] | _renumbered(graphs.flux_dev()[0], "x")
    record = _read(g)
    assert [s.node for s in record.stages] == ["3"]
    assert record.diffusion_models() == ["v1-5-pruned-emaonly-fp16.safetensors"]


def test_twenty_thousand_chained_samplers_read_in_linear_time(hang_guard: None) -> None:
    """Each KSampler refines the previous one's latent: the last one made the image; the
    record keeps the MAX_STAGES passes nearest to it, and says so."""
    g = copy.deepcopy(graphs.sd15_txt2img()[0])
    previous = ["5", 0]
    for i in range(1000, 21_000):
        g[str(i)] = {"class_type": "KSampler", "inputs": copy.deepcopy(g["3"]["inputs"])}
        g[str(i)]["inputs"] |= {"latent_image": previous, "seed": i}
        previous = [str(i), 0]
    g["8"]["inputs"]["samples"] = previous
    del g["3"]
    meta = RawMetadata(format="PNG", width=16, height=16, text={"prompt": json.dumps(g)})
    extraction = read_generation(meta)
    record = extraction.record
    assert record.seed == 20_999
    assert len(record.stages) == MAX_STAGES and record.stages[-1].seed == 20_999
    assert any("20,000 sampling stages" in w for w in extraction.warnings)


def test_stages_are_held_to_the_reader_boundary() -> None:
    record = GenerationRecord(
        stages=[
            Stage(positive="a\ud800 fox\x00", steps=2**40, cfg=float("nan"), model="m" * 5000, denoise=-3.0),
            Stage(controlnets=[ControlNet("depth\ud800", float("inf"))], seed=-1),
        ]
    )
    clean, warnings = sanitized(record)
    first, second = clean.stages
    assert first.positive == "a fox" and first.steps is None and first.cfg is None
    assert len(first.model or "") == 1000 and first.denoise is None
    assert second.controlnets == [ControlNet("depth", None)] and second.seed is None
    assert any(w.startswith("stage 1 steps") for w in warnings)
    assert any(w.startswith("stage 2 seed") for w in warnings)


# --------------------------------------------------------------------------- in a library


@pytest.fixture
def multipass(tmp_path: Path, text_embedder: TextEmbedder) -> Library:
    folder = tmp_path / "renders"
    folder.mkdir()
    for i, build in enumerate((graphs.sdxl_base_refiner, graphs.model_merge, graphs.sd15_txt2img)):
        write_comfyui_png(folder / f"{build.__name__}.png", make_image(i, (32, 32)), *build())
    lib = Library.create(
        settings=Settings(library=tmp_path / "library", batch_size=4), embedders=[text_embedder]
    )
    lib.ingest([folder])
    return lib


def _names(lib: Library, **filters: Any) -> set[str]:
    return {Path(h.asset.path).stem for h in lib.search(filters=filters, limit=10).results}


def test_filters_and_facets_see_every_model(multipass: Library) -> None:
    assert _names(multipass, model="sd_xl_base") == {"sdxl_base_refiner"}  # the base pass's model
    assert _names(multipass, model="refiner") == {"sdxl_base_refiner"}
    assert _names(multipass, model="realisticVision") == {"model_merge"}  # model2 of the merge
    facets = multipass.run(SearchQuery(filters={"tool": "comfyui"}, facets=True, limit=10)).facets
    assert facets is not None
    assert facets.model["sd_xl_base_1.0.safetensors"] == facets.model["sd_xl_refiner_1.0.safetensors"] == 1
    asset = next(h.asset for h in multipass.search(filters={"model": "refiner"}).results)
    stored = multipass.get(asset.id).record
    assert stored.stages == _read(graphs.sdxl_base_refiner()[0]).stages  # kept as read
    assert stored.model == "sd_xl_refiner_1.0.safetensors"


def test_show_lists_the_passes(multipass: Library) -> None:
    asset = next(h.asset for h in multipass.search(filters={"model": "refiner"}).results)
    result = CliRunner().invoke(app, ["show", asset.id, "--library", str(multipass.settings.library)])
    assert result.exit_code == 0, result.output
    assert "sd_xl_base_1.0.safetensors → sd_xl_refiner_1.0.safetensors" in result.output
    assert "1. sd_xl_base_1.0.safetensors, euler / normal, 25 steps, cfg 8" in result.output
    assert "2. sd_xl_refiner_1.0.safetensors" in result.output
    as_json = CliRunner().invoke(
        app, ["show", asset.id, "--json", "--library", str(multipass.settings.library)]
    )
    stages = json.loads(as_json.output)["record"]["stages"]
    assert [s["model"] for s in stages] == ["sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors"]


def test_a_library_from_before_stages_gains_them(multipass: Library) -> None:
    multipass.store.assets.drop_columns([f.name for f in STAGE_FIELDS])  # as schema 2 wrote it
    multipass.store.set_meta("schema_version", 2)
    reopened = Library.open(settings=multipass.settings)
    # the one model each older row names is its `models`, so the model filter still finds it
    assert _names(reopened, model="dreamshaper") == {"model_merge"}
    assert _names(reopened, model="sd_xl_base") == set()  # the base pass was not stored then
    assert _names(reopened, model="refiner") == {"sdxl_base_refiner"}
