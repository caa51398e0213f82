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
