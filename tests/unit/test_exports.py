"""The public API is what `latentdam.__all__` says, no more, no less (httpx's practice)."""

from __future__ import annotations

import latentdam


def test_all_names_exist_and_public_names_are_listed() -> None:
    for name in latentdam.__all__:
        assert hasattr(latentdam, name), name
    public = {
        name
        for name, value in vars(latentdam).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("latentdam")
    }
    assert public <= set(latentdam.__all__)


def test_importing_the_package_or_its_cli_loads_neither_lancedb_nor_torch() -> None:
    # what keeps a search through a running server fast from a terminal
    import subprocess
    import sys

    code = "import sys, latentdam, latentdam.cli, latentdam.api.client; print(sorted({'lancedb', 'torch'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    assert latentdam.Library.__name__ == "Library"  # still there, on first use
