"""The `latentdam` command as a person runs it: its own entry point (`cli.main`), real model,
real files. Most commands run in this process (a subprocess costs ~5 s of imports and model
load each); what needs a process of its own — the installed entry point, a kill mid-ingest,
a second writer — runs in one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import lancedb
import pytest

from cli_support import CLI, run_cli
from conftest import MakeA1111
from latentdam import Library, Settings
from latentdam.embed import TextEmbedder


def run(
    *args: str | Path, library: Path, check: bool = True, own_process: bool = False
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"LATENTDAM_LIBRARY": str(library)}, check=check, own_process=own_process)


def test_ingest_search_show_stats_round_trip(tmp_path: Path, make_a1111: MakeA1111) -> None:
    library = tmp_path / "lib"
    folder = make_a1111("alley.png", "neon rain-slicked alley, volumetric fog", Seed=77).parent
    make_a1111("cat.png", "a tabby cat asleep on a sofa")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")

    ingest = run("ingest", folder, library=library, check=False)
    assert ingest.returncode == 1  # a file was skipped; the others landed
    assert "2 added, 0 updated, 0 unchanged, 1 failed" in ingest.stdout
    assert "broken.png" in ingest.stderr and "skipped" in ingest.stderr

    again = json.loads(run("ingest", folder, "--json", library=library, check=False).stdout)
    assert (again["added"], again["unchanged"], len(again["failed"])) == (0, 2, 1)

    found = json.loads(run("search", "a rainy neon alley", "--limit", "1", "--json", library=library).stdout)
    assert found["status"] == "ok"
    hit = found["results"][0]
    assert Path(hit["path"]).name == "alley.png"
    assert set(hit) == {"id", "path", "score", "confidence", "band", "signals", "asset", "explanation"}
    assert hit["signals"]["semantic"]["rank"] == 1
    assert hit["asset"]["record"]["seed"] == 77

    table = run("search", "a rainy neon alley", "-n", "1", library=library).stdout
    assert "alley.png" in table and "semantic #1" in table

    words = ["search", "volumetric alley", "--signal", "keyword", "--json"]
    literal = json.loads(run(*words, library=library).stdout)["results"][0]
    assert set(literal["signals"]) == {"keyword"} and Path(literal["path"]).name == "alley.png"

    none = json.loads(run("search", "--tool", "comfyui", "--json", library=library).stdout)
    assert none == {
        **none,
        "status": "no_candidates",
        "results": [],
        "message": "no asset matches every filter: tool is 'comfyui'",
    }
    assert (
        "no asset matches every filter: tool is 'comfyui'"
        in run("search", "--tool", "comfyui", library=library).stdout
    )

    shown = run("show", hit["id"][:10], library=library).stdout
    assert "neon rain-slicked alley" in shown and "77" in shown
    assert (
        json.loads(run("show", str(folder / "cat.png"), "--json", library=library).stdout)["record"]["tool"]
        == "a1111"
    )

    refreshed = json.loads(run("refresh", "--json", library=library).stdout)
    assert (refreshed["checked"], refreshed["retexted"]) == (2, 0)  # made with the current recipe

    stats = json.loads(run("stats", "--json", library=library).stdout)
    assert (stats["assets"], stats["by_tool"], stats["spaces"]) == (
        2,
        {"a1111": 2},
        {"text_minilm_l6": 2, "visual_descriptor_v1": 2},
    )


def test_errors_name_the_problem_and_exit_non_zero(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    missing = run("ingest", tmp_path / "nope", library=library, check=False, own_process=True)
    assert (
        missing.returncode == 1
        and "no such file or folder" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    assert not library.exists()  # a mistyped folder leaves no empty library behind
    absent = run("stats", library=library, check=False)
    assert absent.returncode == 1 and f"no latentdam library at {library}" in absent.stderr
    assert "latentdam ingest DIR" in absent.stderr and not library.exists()  # reading never creates
    zero = run("ingest", tmp_path, "--batch-size", "0", library=library, check=False, own_process=True)
    assert zero.returncode == 2 and "invalid batch_size 0 (from --batch-size)" in zero.stderr
    assert "Traceback" not in zero.stderr and not library.exists()
    (tmp_path / "empty").mkdir()
    run("ingest", tmp_path / "empty", library=library)
    unknown = run("show", "deadbeef00", library=library, check=False)
    assert unknown.returncode == 2 and "no asset 'deadbeef00'" in unknown.stderr
    empty = run("search", library=library, check=False)
    assert empty.returncode == 2 and "give a search text, an image, or at least one filter" in empty.stderr
    helped = run("search", "--help", library=library)
    assert "--model" in helped.stdout and "Examples" in helped.stdout


def test_a_second_writer_from_the_cli_is_told_who_holds_the_library(
    tmp_path: Path, make_a1111: MakeA1111
) -> None:
    library = tmp_path / "lib"
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    run("ingest", folder, library=library)
    holder = subprocess.Popen(
        [sys.executable, "-m", "latentdam.testing.hold_writer_lock", str(library)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = run("ingest", folder, library=library, check=False)
        assert busy.returncode == 1 and "Traceback" not in busy.stderr
        assert f"library busy: ingest by PID {holder.pid}" in busy.stderr
        assert "fox.png" in run("search", "a red fox", "--json", library=library).stdout  # readers go on
    finally:
        holder.kill()
        holder.wait(timeout=30)


def _files_committed(library: Path) -> int:
    db = lancedb.connect(library)
    return db.open_table("files").count_rows() if "files" in db.list_tables().tables else 0


@pytest.mark.slow
def test_ingest_killed_midway_resumes_without_duplicates_or_loss(
    tmp_path: Path, make_a1111: MakeA1111, text_embedder: TextEmbedder
) -> None:
    total = 160
    for i in range(total):
        make_a1111(f"img_{i:03d}.png", f"study number {i} of a lighthouse in a storm, variation {i * 7}")
    (tmp_path / "images" / "dup.png").write_bytes((tmp_path / "images" / "img_000.png").read_bytes())
    library = tmp_path / "lib"
    env = {**os.environ, "LATENTDAM_LIBRARY": str(library)}
    proc = subprocess.Popen(
        [*CLI, "ingest", str(tmp_path / "images"), "--batch-size", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and _files_committed(library) < 40:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    landed = _files_committed(library)
    assert 0 < landed < total

    lib = Library.open(settings=Settings(library=library, batch_size=16), embedders=[text_embedder])
    report = lib.ingest([tmp_path / "images"])
    assert not report.failed
    assert report.unchanged >= landed
    ids = lib.store.assets.search().select(["id"]).limit(None).to_arrow()["id"].to_pylist()
    assert len(ids) == len(set(ids)) == total  # dup.png shares img_000's bytes: one asset
    assert lib.store.files.count_rows() == total + 1
    dup = lib.get(str(tmp_path / "images" / "dup.png"))
    assert sorted(Path(p).name for p in dup.paths) == ["dup.png", "img_000.png"]
    assert lib.stats().spaces == {"text_minilm_l6": total, "visual_descriptor_v1": total}


def test_spaces_reembed_similar_and_duplicates(tmp_path: Path, make_a1111: MakeA1111) -> None:
    from PIL import Image

    from latentdam.testing.tiny_models import save_tiny_clip

    library = tmp_path / "lib"
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    make_a1111("ship.png", "a starship above a ringed planet")
    Image.open(folder / "fox.png").convert("RGB").resize((40, 40)).save(folder / "fox_small.jpg", quality=80)
    run("ingest", folder, library=library)

    model = save_tiny_clip(tmp_path / "tiny-clip", seed=3)
    report = json.loads(run("reembed", "--model", model, "--json", library=library).stdout)
    assert (report["space"], report["embedded"], report["activated"]) == ("tiny_clip", 3, True)
    spaces = {s["name"]: s for s in json.loads(run("spaces", "--json", library=library).stdout)["spaces"]}
    assert spaces["tiny_clip"]["active"] and spaces["tiny_clip"]["coverage"] == 1.0
    assert spaces["tiny_clip"]["signal"] == "image" and spaces["visual_descriptor_v1"]["signal"] == "visual"
    assert "tiny_clip" in run("spaces", library=library).stdout

    similar = json.loads(run("similar", str(folder / "fox.png"), "-n", "1", "--json", library=library).stdout)
    assert Path(similar["results"][0]["path"]).name == "fox_small.jpg"
    groups = json.loads(run("duplicates", "--json", library=library).stdout)["groups"]
    assert [sorted(Path(p).name for p in g["paths"]) for g in groups] == [["fox.png", "fox_small.jpg"]]
    assert "group 1 (2 assets)" in run("duplicates", library=library).stdout

    active = run("spaces", "drop", "tiny_clip", library=library, check=False)
    assert active.returncode == 1 and "is active" in active.stderr
    offline = run("reembed", "--model", "someone/not-downloaded-clip", library=library, check=False)
    assert (
        offline.returncode == 1
        and "not-downloaded-clip" in offline.stderr
        and "Traceback" not in offline.stderr
    )


def test_no_match_message_explain_and_all(tmp_path: Path, make_a1111: MakeA1111) -> None:
    library = tmp_path / "lib"
    subjects = [
        "cat",
        "dog",
        "lighthouse",
        "ramen",
        "knight",
        "castle",
        "spaceship",
        "astronaut",
        "sushi",
        "fox",
        "owl",
    ]
    for i, subject in enumerate(subjects):
        make_a1111(f"img_{i:02d}.png", f"a photo of a {subject}, soft light, detailed")
    run("ingest", tmp_path / "images", library=library)
    nothing = run("search", "quarterly tax spreadsheet", library=library).stdout
    assert "No asset in this library matches 'quarterly tax spreadsheet'; closest was" in nothing
    assert "confidence 0." in nothing and "under the cut" in nothing and "--all" in nothing
    shown = run("search", "quarterly tax spreadsheet", "--all", "-n", "1", library=library).stdout
    assert "below" in shown
    explained = json.loads(run("search", "an owl", "--explain", "-n", "1", "--json", library=library).stdout)
    hit = explained["results"][0]
    assert Path(hit["path"]).name == "img_10.png" and hit["band"] in ("strong", "related")
    assert hit["explanation"]["phrases"][0]["phrase"] == "a photo of a owl"
    assert "semantic #1" in run("search", "an owl", "--explain", "-n", "1", library=library).stdout


def test_orders_say_what_they_are_and_literal_names_are_found(tmp_path: Path, make_a1111: MakeA1111) -> None:
    library = tmp_path / "lib"
    folder = make_a1111("alley.png", "neon rain-slicked alley, volumetric fog", Model="dreamshaper_8").parent
    make_a1111("cat.png", "a tabby cat asleep on a sofa", Model="juggernautXL_v9")
    run("ingest", folder, library=library)

    filtered = run("search", "--model", "juggernaut", library=library).stdout
    assert "cat.png" in filtered and "ordered newest first" in filtered
    assert "confidence" not in filtered  # nothing judged relevance: no confidence column

    named = run("search", "dreamshaper_8", "--explain", library=library).stdout
    assert "alley.png" in named and "0.95 strong" in named
    assert "matched literally: dreamshaper_8 (checkpoint)" in named
    assert "ordered most likely relevant first" in named

    mixed = run("search", "at night", "--image", folder / "cat.png", library=library)
    assert "--image-weight" in mixed.stderr and "prompt it carries" in mixed.stderr


def test_a_damaged_store_is_an_error_message_not_a_traceback(tmp_path: Path, make_a1111: MakeA1111) -> None:
    library = tmp_path / "lib"
    run("ingest", make_a1111("fox.png", "a red fox in the snow").parent, library=library)
    for data in (library / "assets.lance" / "data").iterdir():  # lost, as on a failing disk
        data.unlink()
    broken = run("search", "a red fox", library=library, check=False)
    assert broken.returncode == 1 and "error: the library's store failed" in broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr and "LATENTDAM_DEBUG=1" in broken.stderr
