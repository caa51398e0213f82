"""What a user sees, pinned: the command's output over the bundled samples and a few problem
files, compared with tests/snapshots/*.txt (rclip's output snapshots). A change in what users
see is then a reviewed diff: rerun with LATENTDAM_UPDATE_SNAPSHOTS=1 and commit the files.

Run-dependent text (the temporary folder, seconds, rates, table padding) is normalised."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import run_cli

pytestmark = pytest.mark.xdist_group("snapshots")  # one library, ingested once, read by every case

SNAPSHOTS = Path(__file__).parent.parent / "snapshots"
REPO = Path(__file__).parents[2]
UPDATE = os.environ.get("LATENTDAM_UPDATE_SNAPSHOTS") == "1"

CASES = {
    "ingest": ["ingest", "{samples}"],
    "search_cute_animals": ["search", "cute animals", "-n", "4"],
    "search_comfyui_by_date": ["search", "--tool", "comfyui", "--sort", "date", "-n", "3"],
    "search_literal_checkpoint": ["search", "dreamshaper_8", "-n", "3"],
    "search_no_match": ["search", "a baseball slugger hitting a home run"],
    "search_no_candidates": ["search", "fox", "--tag", "nope"],
    "show_comfyui": ["show", "{samples}/comfyui/ComfyUI_00031_.png"],
    "stats": ["stats"],
    "spaces": ["spaces"],
    "duplicates": ["duplicates"],
}


@pytest.fixture(scope="module")
def samples(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    """The samples as scripts/make_samples.py writes them (fixed dates), plus problem files."""
    root = tmp_path_factory.mktemp("snap")
    folder = root / "samples"
    script = REPO / "scripts" / "make_samples.py"
    subprocess.run([sys.executable, str(script), "--out", str(folder)], check=True, capture_output=True)
    (folder / "problems").mkdir()
    (folder / "problems" / "empty.png").write_bytes(b"")
    (folder / "problems" / "notes.png").write_text("not an image")
    good = (folder / "comfyui" / "ComfyUI_00031_.png").read_bytes()
    (folder / "problems" / "truncated.png").write_bytes(good[: len(good) // 2])
    env = {"LATENTDAM_LIBRARY": str(root / "library")}
    ingested = run_cli(*_args("ingest", folder), env=env, check=False)
    return folder, env, ingested


def _args(case: str, folder: Path) -> list[str]:
    return [a.format(samples=folder) for a in CASES[case]]


def _normalised(text: str, root: Path) -> str:
    text = text.replace(str(root), "<DIR>")
    text = re.sub(r"\d+(\.\d+)? s\b", "<T> s", text)
    text = re.sub(r"\d+(\.\d+)? files/s", "<R> files/s", text)
    # table widths follow the temporary folder's name: keep the cells, not their padding
    text = re.sub(r" {2,}", "  ", text)
    text = re.sub(r"([━─])\1+", r"\1\1", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("case", list(CASES))
def test_output_matches_its_snapshot(
    case: str, samples: tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]
) -> None:
    folder, env, ingested = samples
    result = ingested if case == "ingest" else run_cli(*_args(case, folder), env=env, check=False)
    seen = f"$ latentdam {' '.join(CASES[case])}\n[exit {result.returncode}]\n{result.stdout}"
    if result.stderr:
        seen += f"[stderr]\n{result.stderr}"
    seen = _normalised(seen, folder.parent)
    snapshot = SNAPSHOTS / f"{case}.txt"
    if UPDATE or not snapshot.exists():
        snapshot.write_text(seen, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"new snapshot {snapshot.name}: review it and commit it")
    assert seen == snapshot.read_text(encoding="utf-8"), (
        "output changed: review, then rerun with LATENTDAM_UPDATE_SNAPSHOTS=1"
    )
