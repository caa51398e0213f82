"""Embedding spaces in a library: joint CLIP/SigLIP spaces, text+image queries, similar,
near-duplicates, and model migration that keeps search answering while it runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from conftest import MakeA1111
from latentdam import Library, Settings, Signal
from latentdam.embed import TextEmbedder
from latentdam.embed.space import Backend, Modality, Space
from latentdam.errors import StoreError
from latentdam.ingest import IngestProgress
from latentdam.refresh import RECIPE_KEY
from latentdam.reports import Report
from latentdam.testing.formats import write_jpeg
from latentdam.testing.tiny_models import save_tiny_sentence_transformer

PROMPTS = [
    "a lighthouse on a cliff at dusk",
    "a bowl of ramen with a soft egg",
    "a red fox sleeping in the snow",
    "a starship above a ringed planet",
    "a medieval knight in plate armour",
    "a watercolour of tulips in a vase",
    "a neon alley in the rain at night",
    "a golden retriever puppy in a meadow",
]


@pytest.fixture
def filled(library: Library, make_a1111: MakeA1111) -> Library:
    for i, prompt in enumerate(PROMPTS):
        make_a1111(f"img_{i}.png", prompt, Seed=i)
    library.ingest([Path(library.settings.library).parent / "images"])
    return library


def _names(result: object) -> list[str]:
    return [Path(hit.path).name for hit in result.results]  # type: ignore[attr-defined]


class _Interrupt(Exception):
    pass


class _StopHalfway(IngestProgress):
    """Checks that search still answers from the old spaces, then interrupts the backfill."""

    def __init__(self, library: Library, new_space: str) -> None:
        self.library, self.new_space, self.done, self.total = library, new_space, 0, 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, items: int, report: Report) -> None:
        self.done += items
        result = self.library.search("a fox in winter", limit=3)
        assert _names(result)[0] == "img_2.png"
        assert self.new_space not in result.spaces  # still answering from the old spaces
        if self.done >= self.total // 2:
            raise _Interrupt


def test_new_library_has_text_and_visual_spaces(filled: Library) -> None:
    infos = {i.space.name: i for i in filled.spaces()}
    assert set(infos) == {"text_minilm_l6", "visual_descriptor_v1"}
    assert all(i.active and i.vectors == len(PROMPTS) and i.coverage == 1.0 for i in infos.values())


def test_reembed_interrupted_halfway_resumes_then_switches(
    filled: Library, tiny_clip_dirs: tuple[Path, Path]
) -> None:
    model_a, model_b = tiny_clip_dirs
    with pytest.raises(_Interrupt):
        filled.reembed(str(model_a), progress=_StopHalfway(filled, "tiny_clip_a"))
    infos = {i.space.name: i for i in filled.spaces()}
    assert not infos["tiny_clip_a"].active
    assert 0 < infos["tiny_clip_a"].vectors < len(PROMPTS)  # half done, kept

    report = filled.reembed(str(model_a))
    assert report.embedded == len(PROMPTS) - infos["tiny_clip_a"].vectors  # only the rest
    assert report.activated and report.replaced is None  # a new kind of space: nothing replaced
    infos = {i.space.name: i for i in filled.spaces()}
    assert infos["tiny_clip_a"].active and infos["tiny_clip_a"].coverage == 1.0
    result = filled.search("a fox in winter", limit=3)
    assert "tiny_clip_a" in result.spaces and Signal.IMAGE in result.results[0].signals

    # a second joint model replaces the first; the old vectors stay until dropped
    report = filled.reembed(str(model_b))
    assert report.replaced == "tiny_clip_a"
    active = {i.space.name for i in filled.spaces() if i.active}
    assert active == {"text_minilm_l6", "visual_descriptor_v1", "tiny_clip_b"}
    with pytest.raises(StoreError, match="is active"):
        filled.drop_space("tiny_clip_b")
    filled.drop_space("tiny_clip_a")
    assert "tiny_clip_a" not in {i.space.name for i in filled.spaces()}
    assert "vec_tiny_clip_a" not in filled.store.assets.schema.names


def test_new_assets_land_in_every_space_present(
    filled: Library, make_a1111: MakeA1111, tiny_clip_dirs: tuple[Path, Path]
) -> None:
    filled.reembed(str(tiny_clip_dirs[0]))
    late = make_a1111("late.png", "a hot air balloon over hills", folder="later")
    filled.ingest([late])
    assert {i.space.name: i.coverage for i in filled.spaces()} == {
        "text_minilm_l6": 1.0,
        "visual_descriptor_v1": 1.0,
        "tiny_clip_a": 1.0,
    }


def test_text_plus_image_and_negative_queries(
    filled: Library, tiny_clip_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    filled.reembed(str(tiny_clip_dirs[0]))
    fox = Path(filled.settings.library).parent / "images" / "img_2.png"  # "a red fox sleeping in the snow"
    both = filled.search("snow", image=fox, limit=3, image_weight=0.3)
    assert _names(both)[0] == "img_2.png"
    assert set(both.results[0].signals) >= {Signal.IMAGE, Signal.VISUAL, Signal.SEMANTIC}
    # the whole ranking: steering away from the fox may well drop it under the cut
    plain = filled.search("an animal", limit=8, signals=["semantic"], include_all=True)
    steered = filled.search("an animal", negative="fox", limit=8, signals=["semantic"], include_all=True)
    fox_rank = _names(plain).index("img_2.png")
    assert _names(steered).index("img_2.png") > fox_rank


def test_similar_excludes_itself_and_finds_variants(filled: Library, tmp_path: Path) -> None:
    source = filled.search("ramen", limit=1).results[0]
    variant = tmp_path / "variant" / "ramen_small.jpg"
    variant.parent.mkdir()
    write_jpeg(variant, Image.open(source.path).convert("RGB").resize((48, 48)))
    filled.ingest([variant])
    result = filled.similar(source.id, limit=3)
    assert source.id not in [h.id for h in result.results]
    assert _names(result)[0] == "ramen_small.jpg"  # similar pictures by default
    assert set(result.results[0].signals) == {Signal.VISUAL}
    by_prompt = filled.similar(str(Path(source.path)), limit=8, signals=["semantic"])
    assert "ramen_small.jpg" not in _names(by_prompt)  # it carries no prompt to compare
    assert {Signal.SEMANTIC} == {s for h in by_prompt.results for s in h.signals}


def _scene(seed: int) -> Image.Image:
    image = Image.new("RGB", (160, 120), (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256))
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (20 + seed * 7 % 60, 10, 90 + seed * 5 % 60, 100), fill=(255 - seed * 29 % 256, 200, seed * 17 % 256)
    )
    draw.rectangle((0, 90, 160, 120), fill=(seed * 13 % 256, 80, 40))
    return image


def test_duplicates_groups_reencoded_resized_and_cropped_copies(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "dupes"
    folder.mkdir()
    for seed in range(6):
        base = _scene(seed)
        base.save(folder / f"scene_{seed}.png")
    write_jpeg(folder / "scene_1_copy.jpg", _scene(1), quality=70)
    _scene(1).resize((320, 240)).save(folder / "scene_1_big.png")
    _scene(4).crop((6, 4, 160, 120)).save(folder / "scene_4_crop.webp", quality=85)
    library.ingest([folder])
    groups = library.duplicates()
    named = sorted(sorted(Path(p).name for p in g.paths) for g in groups)
    assert named == [
        ["scene_1.png", "scene_1_big.png", "scene_1_copy.jpg"],
        ["scene_4.png", "scene_4_crop.webp"],
    ]


def test_space_definition_conflict_is_refused(
    tmp_path: Path, text_embedder: TextEmbedder, tiny_clip_dirs: tuple[Path, Path]
) -> None:
    lib = Library.create(settings=Settings(library=tmp_path / "lib"), embedders=[text_embedder])
    model = shutil.copytree(tiny_clip_dirs[0], tmp_path / "tiny-clip-a")
    lib.reembed(str(model))
    # same directory name, different model inside: the space name clashes, the revision differs
    shutil.copy(tiny_clip_dirs[1] / "config.json", model / "config.json")
    with pytest.raises(StoreError, match="already exists with another definition"):
        lib.reembed(str(model))


def test_two_models_of_one_name_get_two_spaces(
    tmp_path: Path, text_embedder: TextEmbedder, make_a1111: MakeA1111
) -> None:
    lib = Library.create(settings=Settings(library=tmp_path / "lib"), embedders=[text_embedder])
    lib.ingest([make_a1111("fox.png", "a red fox in the snow")])
    first = save_tiny_sentence_transformer(tmp_path / "team-a" / "bert-tiny", seed=1)
    second = save_tiny_sentence_transformer(tmp_path / "team-b" / "bert-tiny", seed=2)
    assert lib.reembed(str(first)).space == "bert_tiny"
    other = lib.reembed(str(second))  # refused before: "already exists with another definition"
    assert other.space.startswith("bert_tiny_") and other.replaced == "bert_tiny"
    assert lib.reembed(str(second)).space == other.space  # the same model finds its own space again
    assert {s.name for s in lib.store.spaces} >= {"bert_tiny", other.space}


def test_a_hub_models_organisation_names_its_space_when_the_name_is_taken() -> None:
    from latentdam.embed.space import distinct_name

    mine = Space(
        "bert_tiny", Backend.SENTENCE_TRANSFORMERS, "org-b/bert-tiny", "main", 32, frozenset({Modality.TEXT})
    )
    assert distinct_name(mine, {"bert_tiny": "org-a/bert-tiny"}).name == "bert_tiny_org_b"
    assert distinct_name(mine, {"bert_tiny": "org-b/bert-tiny"}) is mine


@pytest.fixture
def joint_only(tmp_path: Path, make_a1111: MakeA1111, tiny_clip_dirs: tuple[Path, Path]) -> Library:
    """A library whose only space is a joint CLIP-like one, with 12 assets (enough to calibrate),
    each prompt with an artist credit."""
    library = Library.create(settings=Settings(library=tmp_path / "library", spaces=[str(tiny_clip_dirs[0])]))
    for i in range(12):
        make_a1111(f"img_{i}.png", f"{PROMPTS[i % len(PROMPTS)]}, study {i}, by Moebius", Seed=i)
    library.ingest([tmp_path / "images"])
    return library


def test_joint_space_alone_calibrates_text_queries_against_images(joint_only: Library) -> None:
    """A library searched only through a CLIP-like space still says how confident a text hit
    is: its text queries are calibrated on prompt phrases against the assets' own images."""
    library = joint_only
    calibrations = library.store.get_meta("calibration")
    assert set(calibrations) == {"tiny_clip_a", "tiny_clip_a:text"}  # by example image; by text
    assert calibrations["tiny_clip_a:text"]["samples"] >= 10
    hit = library.search("a red fox sleeping in the snow", include_all=True).results[0]
    assert hit.confidence is not None and hit.band is not None


def test_reembed_into_another_text_model(filled: Library, make_a1111: MakeA1111, tmp_path: Path) -> None:
    """A sentence-transformers directory replaces the default text space: the library is
    backfilled into it, its vocabulary and calibration are made for it, and searches answer
    from it (with confidences from its own calibration)."""
    for i, prompt in enumerate(["a lighthouse in the snow", "a fox and a lighthouse"]):
        make_a1111(f"more_{i}.png", prompt, Seed=100 + i)  # words used twice: vocabulary
    filled.ingest([Path(filled.settings.library).parent / "images"])
    model = save_tiny_sentence_transformer(tmp_path / "tiny-text", seed=5)
    report = filled.reembed(str(model))
    assert report.replaced == "text_minilm_l6" and report.embedded == len(PROMPTS) + 2
    active = {i.space.name for i in filled.spaces() if i.active}
    assert active == {"tiny_text", "visual_descriptor_v1"}
    tiny = filled.store.space("tiny_text")
    assert {"lighthouse", "snow"} <= set(filled.store.term_vectors(tiny))  # expansion vocabulary
    assert "tiny_text" in (filled.store.get_meta("calibration") or {})
    result = filled.search("a red fox sleeping in the snow", include_all=True)
    assert result.spaces == ["tiny_text"]
    assert Signal.SEMANTIC in result.results[0].signals and result.results[0].confidence is not None
    reopened = Library.open(settings=filled.settings)
    assert reopened.search("a red fox sleeping in the snow", include_all=True).spaces == ["tiny_text"]


def test_calibrations_follow_their_space(joint_only: Library, tiny_clip_dirs: tuple[Path, Path]) -> None:
    """A refresh (new text recipe) refits the joint space's text-query calibration, which is
    fitted on prompt phrases; dropping a space forgets its calibrations."""
    library = joint_only
    calibrations = library.store.get_meta("calibration")
    stale = {**calibrations, "tiny_clip_a:text": {**calibrations["tiny_clip_a:text"], "samples": -1}}
    library.store.set_meta("calibration", stale)
    rows = library.store.rows(library.store.ids(), columns=["id", "prompt"])
    library.store.update_columns([{"id": i, "embed_text": r["prompt"]} for i, r in rows.items()])
    library.store.set_meta(RECIPE_KEY, 1)  # as an older latentdam wrote it: credits embedded

    assert library.refresh().retexted == 12
    assert library.store.get_meta("calibration")["tiny_clip_a:text"]["samples"] >= 10  # refitted

    library.reembed(str(tiny_clip_dirs[1]))
    library.drop_space("tiny_clip_a")
    assert set(library.store.get_meta("calibration")) == {"tiny_clip_b", "tiny_clip_b:text"}
