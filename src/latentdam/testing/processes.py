"""Stopping the servers the tests start (S3, DynamoDB, `latentdam serve`)."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 15.0) -> None:
    """Ask a process to end (SIGTERM), and kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
