"""Files that leave: an ingest of a folder forgets the files gone from it, `stats` counts the
assets left without a file, `prune` removes them; a moved file is found again by its bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from conftest import MakeA1111
from latentdam import Library
from latentdam.cli import app


def _names(library: Library) -> set[str]:
    return {Path(h.asset.path).name for h in library.search(filters={"path": "*"}, limit=50).results}


def test_gone_files_are_forgotten_and_their_assets_pruned(
    library: Library, make_a1111: MakeA1111, tmp_path: Path
) -> None:
    folder, elsewhere = tmp_path / "renders", tmp_path / "elsewhere"
    elsewhere.mkdir()
    paths = [
        make_a1111(f"{n}.png", f"a picture of thing {i}", folder="renders") for i, n in enumerate("abcd")
    ]
    shutil.copy(paths[3], folder / "d-copy.png")  # same bytes twice: one asset, two paths
    first = library.ingest([folder])
    assert first.added == 4 and library.stats().files == 5

    paths[0].unlink()  # deleted
    shutil.move(paths[1], elsewhere / "b.png")  # moved out of the folder
    paths[3].unlink()  # one of two copies deleted
    again = library.ingest([folder])
    assert (again.gone, again.orphaned) == (3, 2)
    stats = library.stats()
    assert (stats.assets, stats.files, stats.without_file) == (4, 2, 2)
    copy = next(h.asset for h in library.search(filters={"path": "*d-copy.png"}).results)
    assert copy.paths == [str(folder / "d-copy.png")]

    library.ingest([elsewhere])  # the moved file is found again: same bytes, same asset
    assert library.stats().without_file == 1
    assert library.prune(dry_run=True).removed == library.prune(dry_run=True).removed
    report = library.prune()
    assert len(report.removed) == 1
    assert (library.stats().assets, library.stats().without_file) == (3, 0)
    assert _names(library) == {"b.png", "c.png", "d-copy.png"}


def test_prune_checks_the_paths_themselves(library: Library, make_a1111: MakeA1111, tmp_path: Path) -> None:
    """A file deleted from a folder nobody ingested again is still found gone by `prune`."""
    path = make_a1111("x.png", "a lighthouse", folder="one")
    make_a1111("y.png", "a harbour", folder="one")
    library.ingest([path.parent])
    path.unlink()
    result = CliRunner().invoke(app, ["prune", "--dry-run", "--library", str(library.settings.library)])
    assert result.exit_code == 0 and "would remove 1 assets" in result.output
    assert library.stats().assets == 2
    result = CliRunner().invoke(app, ["prune", "--library", str(library.settings.library)])
    assert "removed 1 assets" in result.output
    reopened = Library.open(settings=library.settings)
    assert _names(reopened) == {"y.png"} and reopened.stats().files == 1
