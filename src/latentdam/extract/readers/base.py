"""The contract every generator reader follows: one class per format, one file per class."""

from __future__ import annotations

from typing import Protocol

from latentdam.extract.raw import RawMetadata
from latentdam.extract.record import GenerationRecord, Tool


class MetadataReader(Protocol):
    """Reads one generator's metadata format.

    `can_read` is cheap (looks for the format's marker keys); `read` interprets the blocks
    and raises `latentdam.errors.CorruptMetadata` when the marker is there but the content
    is broken (truncated JSON, missing graph nodes...). Readers never touch the file system.
    They fill generation fields only; `raw` and descriptive EXIF/XMP fields are merged by
    `latentdam.extract.metadata.read_generation`.
    """

    tool: Tool

    def can_read(self, meta: RawMetadata) -> bool: ...

    def read(self, meta: RawMetadata) -> GenerationRecord: ...
