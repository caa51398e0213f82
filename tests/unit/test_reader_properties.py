"""Property-based tests (hypothesis) of the reader boundary: whatever blocks a file carries —
random text, random JSON, random ComfyUI-shaped graphs, A1111-shaped settings with random
values, under every chunk name a reader looks at — reading them gives a record (warnings
allowed, never an exception), every field is in range and storable text, and the record
becomes an assets-table row Arrow accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latentdam.extract.file import ExtractedFile
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.comfyui.nodes import SAMPLER_CLASSES, TEXT_KEYS
from latentdam.extract.sanitize import MAX_NAME, MAX_TEXT
from latentdam.store.asset import to_row
from latentdam.store.schema import assets_schema

# Every chunk and EXIF name some reader keys on
CHUNKS = [
    "parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph", "sd-metadata", "Dream",
    "Comment", "Description", "Software", "Source", "Title", "fooocus_scheme", "use_stable_diffusion_model",
    "negative_prompt", "num_inference_steps", "Stable Diffusion model", "Prompt",
]  # fmt: skip
EXIF = ["UserComment", "ImageDescription", "Software", "Make", "Model", "DateTimeOriginal", "Artist"]
CLASSES = [*SAMPLER_CLASSES, "CheckpointLoaderSimple", "CLIPTextEncode", "LoraLoader", "EmptyLatentImage",
           "ConditioningCombine", "ControlNetApplyAdvanced", "DualCFGGuider", "SaveImage", "LatentUpscaleBy",
           "BasicGuider", "RandomNoise", "KSamplerSelect", "BasicScheduler", "PrimitiveNode"]  # fmt: skip
INPUTS = ["model", "positive", "negative", "latent_image", "samples", "seed", "noise_seed", "steps", "cfg",
          "sampler_name", "scheduler", "denoise", "ckpt_name", "lora_name", "strength_model", "width", "height",
          "scale_by", "conditioning", "cond1", "cond2", "guider", "sampler", "sigmas", "noise", "add_noise",
          "control_net", "strength", "images", *TEXT_KEYS]  # fmt: skip

# any code point, lone surrogates and NULs included
anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | anything
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(anything, inner, max_size=5),
    max_leaves=25,
)
node_ids = st.integers(0, 12).map(str)
links = st.tuples(node_ids, st.integers(-1, 3)).map(list)
graphs = st.dictionaries(
    node_ids,
    st.fixed_dictionaries(
        {
            "class_type": st.sampled_from(CLASSES),
            "inputs": st.dictionaries(st.sampled_from(INPUTS), links | scalars, max_size=8),
        }
    ),
    max_size=12,
).map(json.dumps)
a1111_values = st.one_of(
    anything,
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True).map(str),
    json_values.map(json.dumps),
)
a1111 = st.builds(
    lambda prompt, settings: (
        f"{prompt}\nNegative prompt: x\nSteps: 20, " + ", ".join(f"{k}: {v}" for k, v in settings)
    ),
    anything,
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Seed",
                    "Size",
                    "CFG scale",
                    "Model",
                    "Sampler",
                    "Hashes",
                    "Lora hashes",
                    "Civitai resources",
                    "Refiner",
                    "Created Date",
                    "Version",
                ]
            ),
            a1111_values,
        ),
        max_size=8,
    ),
)
chunk_values = st.one_of(anything, json_values.map(json.dumps), graphs, a1111)
blocks = st.dictionaries(st.sampled_from(CHUNKS), chunk_values, max_size=5)
exif_blocks = st.dictionaries(
    st.sampled_from(EXIF), st.one_of(chunk_values, st.integers(), st.floats()), max_size=3
)

# Draw Things' XMP (extract/readers/drawthings.py) with random settings JSON and description
_XML_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=200)
_DRAWTHINGS_KEYS = ["c", "uc", "model", "sampler", "steps", "scale", "seed", "size", "strength", "lora", "width",
                    "height", "v2"]  # fmt: skip
drawthings_xmp = st.builds(
    lambda comment, description: (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        f' xmp:CreatorTool="Draw Things"><exif:UserComment>{escape(comment)}</exif:UserComment>'
        f"<dc:description>{escape(description)}</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    ),
    st.one_of(
        _XML_TEXT, st.dictionaries(st.sampled_from(_DRAWTHINGS_KEYS), json_values, max_size=8).map(json.dumps)
    ),
    st.one_of(_XML_TEXT, a1111.map(lambda t: t.encode("ascii", "replace").decode())),
)

ROW_SCHEMA = assets_schema([])


def _row(meta: RawMetadata) -> dict[str, Any]:
    extraction = read_generation(meta)
    item = ExtractedFile(
        id="0" * 64,
        path=Path("/x/a.png"),
        size=1,
        mtime_ns=0,
        format="PNG",
        width=16,
        height=16,
        record=extraction.record,
        thumbnail=b"",
        warnings=extraction.warnings,
    )
    return to_row(item, ["/x/a.png"], datetime(2026, 1, 1, tzinfo=UTC))


def _storable(text: str, cap: int) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text and len(text) <= cap


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=blocks, exif=exif_blocks, xmp=st.none() | drawthings_xmp)
def test_any_blocks_give_a_storable_record(
    text: dict[str, str], exif: dict[str, Any], xmp: str | None
) -> None:
    row = _row(RawMetadata("PNG", 16, 16, text=text, exif=exif, xmp=xmp))
    record_fields = [f for f in ROW_SCHEMA if f.name in row]
    pa.Table.from_pylist([{f.name: row[f.name] for f in record_fields}], schema=pa.schema(record_fields))
    for name in ("prompt", "negative_prompt", "description"):
        assert row[name] is None or _storable(row[name], MAX_TEXT)
    for name in ("model", "sampler", "scheduler", "title", "software"):
        assert row[name] is None or _storable(row[name], MAX_NAME)
    assert all(_storable(n, MAX_NAME) for n in row["lora_names"] + row["models"] + row["tags"])
    assert row["steps"] is None or 0 <= row["steps"] <= 100_000
    assert row["seed"] is None or 0 <= row["seed"] < 2**64
    for name in ("embed_text", "search_text"):
        assert _storable(row[name], 10 * MAX_TEXT)
