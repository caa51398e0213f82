"""Debian's Chromium as the tests and benchmarks drive it (through Playwright, whose own
browser download cannot work on an offline machine; `make browser` installs it)."""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("LATENTDAM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
