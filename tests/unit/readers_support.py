"""Helpers the reader tests share: read a written file back, and read it both ways (the reader
alone and the full dispatch) to check they agree.

Imported as a sibling module (`from readers_support import ...`): pytest puts each test file's
folder on sys.path (rootdir conftest, no `__init__.py`), as with `from conftest import ...`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.raw_reader import read_raw
from latentdam.extract.readers.base import MetadataReader
from latentdam.extract.record import GenerationRecord, Tool

# Every field a generator reader fills (the rest are descriptive, or `raw`).
GENERATION_FIELDS = (
    "tool",
    "prompt",
    "negative_prompt",
    "model",
    "model_hash",
    "loras",
    "controlnets",
    "sampler",
    "scheduler",
    "steps",
    "cfg",
    "seed",
    "width",
    "height",
    "software",
)


def raw_of(path: Path) -> RawMetadata:
    """The raw metadata blocks of an image file, as ingest reads them."""
    with Image.open(path) as image:
        return read_raw(image)


def read_both(
    reader: MetadataReader, path: Path, tool: Tool, fields: Iterable[str] = GENERATION_FIELDS
) -> GenerationRecord:
    """Read `path` with `reader` and with the full dispatch (`read_generation`): the reader must
    accept the file, both must say `tool`, the dispatch must raise no warning and agree with the
    reader on every one of `fields`. Returns the reader's record."""
    meta = raw_of(path)
    assert reader.can_read(meta)
    record = reader.read(meta)
    extraction = read_generation(meta)
    assert extraction.warnings == []
    dispatched = extraction.record
    assert record.tool is tool
    assert dispatched.tool is tool
    for name in fields:
        assert getattr(dispatched, name) == getattr(record, name), name
    return record
