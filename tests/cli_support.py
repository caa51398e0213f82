"""Running `latentdam` in tests: through its entry point (`cli.main`) in this process, with the
stdout, stderr and exit status a subprocess would give, or in a real subprocess where the
test needs a process of its own (a subprocess costs ~5 s of imports and model load)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from latentdam.cli import main

CLI = [sys.executable, "-m", "latentdam"]


def run_cli(
    *args: str | Path, env: Mapping[str, str], check: bool = True, own_process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`latentdam ARGS` with `env` added to the environment."""
    argv = [str(a) for a in args]
    env = {"HF_HUB_OFFLINE": "1", **env}
    if own_process:
        proc = subprocess.run(
            [*CLI, *argv], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
        )
    else:
        proc = _in_process(argv, env)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def _in_process(argv: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            main(argv)
    except SystemExit as exc:
        code = exc.code
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    status = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["latentdam", *argv], status, stdout.getvalue(), stderr.getvalue())
