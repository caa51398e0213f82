"""The LanceDB schema: record fields as real, filterable columns; one vector column per space."""

from __future__ import annotations

import pyarrow as pa

from latentdam.embed.space import Space

# Bump on any change and say in store.py's _check_version how an older library catches up.
# 2: Content Credentials (provenance, provenance_state, ai_made), null in older rows.
# 3: every diffusion model (models, filled from `model` in older rows) and every sampling stage
#    (stages, null in older rows until they are ingested again).
SCHEMA_VERSION = 3

ASSETS_TABLE = "assets"
FILES_TABLE = "files"
MANIFEST_TABLE = "manifest"

# The column the full-text (BM25) index is built on; see extract/text.py for what it holds.
KEYWORD_COLUMN = "search_text"


# Content Credentials (C2PA): the record's Provenance as JSON, and two columns to filter on
PROVENANCE_FIELDS = (
    pa.field("provenance", pa.string()),
    pa.field("provenance_state", pa.string()),  # valid, untrusted, tampered, invalid, remote; null: none
    pa.field("ai_made", pa.bool_()),  # the credentials say a model made it (null: they say nothing)
)


# Multi-pass workflows: every diffusion model that shaped the image (filtered like `model`), and
# each sampling pass as JSON (a list of extract.record.Stage)
STAGE_FIELDS = (
    pa.field("models", pa.list_(pa.string())),
    pa.field("stages", pa.string()),
)

# The columns each schema version added, for libraries written before it
ADDED_FIELDS: dict[int, tuple[pa.Field, ...]] = {2: PROVENANCE_FIELDS, 3: STAGE_FIELDS}


def assets_schema(spaces: list[Space]) -> pa.Schema:
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("path", pa.string()),
        pa.field("paths", pa.list_(pa.string())),
        pa.field("file_name", pa.string()),
        pa.field("size", pa.int64()),
        pa.field("format", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
        # created_at: what the metadata says, else the file's modification time
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("tool", pa.string()),
        pa.field("prompt", pa.string()),
        pa.field("negative_prompt", pa.string()),
        pa.field("model", pa.string()),
        pa.field("model_hash", pa.string()),
        pa.field("lora_names", pa.list_(pa.string())),
        pa.field("lora_weights", pa.list_(pa.float64())),
        pa.field("controlnets", pa.list_(pa.string())),
        pa.field("sampler", pa.string()),
        pa.field("scheduler", pa.string()),
        pa.field("steps", pa.int32()),
        pa.field("cfg", pa.float64()),
        pa.field("seed", pa.uint64()),  # ComfyUI seeds span the full 64-bit range
        pa.field("gen_width", pa.int32()),
        pa.field("gen_height", pa.int32()),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("job_id", pa.string()),
        pa.field("software", pa.string()),
        *PROVENANCE_FIELDS,
        *STAGE_FIELDS,
        pa.field("raw_metadata", pa.string()),  # JSON: every block as found in the file
        pa.field("warnings", pa.list_(pa.string())),
        pa.field("thumbnail", pa.binary()),  # WebP
        pa.field("embed_text", pa.string()),
        pa.field(KEYWORD_COLUMN, pa.string()),
    ]
    fields += [pa.field(s.column, pa.list_(pa.float32(), s.dim)) for s in spaces]
    return pa.schema(fields)


FILES_SCHEMA = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("size", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("asset_id", pa.string()),
    ]
)

MANIFEST_SCHEMA = pa.schema([pa.field("key", pa.string(), nullable=False), pa.field("value", pa.string())])
