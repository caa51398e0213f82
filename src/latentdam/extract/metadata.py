"""Turn a file's raw metadata blocks into one `GenerationRecord`: pick the generator reader,
then merge what plain EXIF/XMP/IPTC say (title, description, keywords, creation time)."""

from __future__ import annotations

from dataclasses import dataclass, field

from latentdam.errors import CorruptMetadata
from latentdam.extract.provenance import Provenance
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers import GENERATOR_READERS
from latentdam.extract.readers.descriptive import read_descriptive
from latentdam.extract.record import GenerationRecord, Tool
from latentdam.extract.sanitize import sanitized

_DESCRIPTIVE_FIELDS = ("title", "description", "created_at", "software")


@dataclass(slots=True)
class Extraction:
    record: GenerationRecord
    warnings: list[str] = field(default_factory=list)


def read_generation(meta: RawMetadata, provenance: Provenance | None = None) -> Extraction:
    """First reader whose marker is present wins; a broken block is a warning, not a failure:
    the asset is still indexed, with whatever the other blocks say. `provenance`: the file's
    Content Credentials, read from its bytes (extract/provenance.py)."""
    warnings: list[str] = []
    record = GenerationRecord()
    for reader in GENERATOR_READERS:
        if not reader.can_read(meta):
            continue
        try:
            record = reader.read(meta)
            break
        except CorruptMetadata as exc:
            warnings.append(f"{reader.tool} metadata is unreadable ({exc}); indexed without it")
        except Exception as exc:  # a reader's bug on odd input must not cost the asset
            warnings.append(
                f"{reader.tool} metadata could not be interpreted ({type(exc).__name__}: {exc}); indexed without it"
            )

    plain = read_descriptive(meta)
    for name in _DESCRIPTIVE_FIELDS:
        if getattr(record, name) is None:
            setattr(record, name, getattr(plain, name))
    record.tags = list(dict.fromkeys([*record.tags, *plain.tags]))
    record.raw = meta.blocks()
    with_provenance(record, provenance)  # before the boundary: the software it names is file text too
    record, problems = sanitized(record)
    return Extraction(record, warnings + problems)


def with_provenance(record: GenerationRecord, provenance: Provenance | None) -> GenerationRecord:
    """Add a file's Content Credentials to its record. A tool no generator block named is
    taken from them (Firefly, DALL·E and others sign instead of writing parameters), and
    so is the software."""
    if provenance is None:
        return record
    record.provenance = provenance
    if record.tool is Tool.UNKNOWN:
        record.tool = _tool_of(provenance)
    if record.software is None:
        record.software = provenance.software_agent or provenance.claim_generator
    return record


def _tool_of(provenance: Provenance) -> Tool:
    named = f"{provenance.software_agent or ''} {provenance.claim_generator or ''}".lower()
    if "firefly" in named:
        return Tool.FIREFLY
    if any(word in named for word in ("dall", "openai", "chatgpt")):
        return Tool.DALLE
    if "midjourney" in named:
        return Tool.MIDJOURNEY
    return Tool.UNKNOWN
