"""An asset as stored: the file facts plus its GenerationRecord; and its row conversions.

`Asset` is a pydantic model: its one serialisation (`to_dict`, `model_dump`) is what
`--json`, the HTTP API and its OpenAPI schema show. A search hit's asset leaves the raw
metadata blocks out (`record.raw` is empty there); `Library.get` reads them."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from latentdam.extract.file import ExtractedFile
from latentdam.extract.provenance import from_json as provenance_from_json
from latentdam.extract.provenance import to_json as provenance_json
from latentdam.extract.record import ControlNet, GenerationRecord, LoRA, Stage, Tool
from latentdam.extract.text import embedding_text, keyword_text

_UINT64_MAX = (1 << 64) - 1


# An asset reference a request may carry: a full id (SHA-256 hex) or a unique prefix of one;
# nothing path-like passes.
ASSET_ID = r"^[0-9a-f]{6,64}$"


class Asset(BaseModel):
    id: str = Field(description="SHA-256 of the file's bytes: the asset's identity")
    path: str = Field(description="where the file was last seen")
    paths: list[str] = Field(description="every location of the same bytes")
    size: int
    format: str
    width: int
    height: int
    created_at: datetime | None = Field(description="when it was generated (metadata, else file time)")
    ingested_at: datetime
    record: GenerationRecord = Field(description="what the generator wrote: prompt, model, LoRAs, seed...")
    warnings: list[str] = Field(default_factory=list, description="what could not be read, and why")
    thumbnail: bytes | None = Field(default=None, exclude=True)  # served on its own, never in JSON

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the thumbnail bytes."""
        return self.model_dump(mode="json")


def _seed(value: int | None) -> int | None:
    return value if value is not None and 0 <= value <= _UINT64_MAX else None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stages_json(stages: list[Stage]) -> str | None:
    """A record's sampling stages as the `stages` column holds them (None: a one-pass tool)."""
    return json.dumps([asdict(stage) for stage in stages], ensure_ascii=False) if stages else None


def stages_from_json(text: str | None) -> list[Stage]:
    if not text:
        return []
    stages = []
    for data in json.loads(text):
        loras = [LoRA(**lora) for lora in data.pop("loras", [])]
        nets = [ControlNet(**net) for net in data.pop("controlnets", [])]
        stages.append(Stage(**data, loras=loras, controlnets=nets))
    return stages


def to_row(item: ExtractedFile, paths: list[str], ingested_at: datetime) -> dict[str, Any]:
    """The assets-table row for an extracted file (vector columns are added by the caller)."""
    rec = item.record
    created = _utc(rec.created_at) or datetime.fromtimestamp(item.mtime_ns / 1e9, tz=UTC)
    return {
        "id": item.id,
        "path": paths[0],
        "paths": paths,
        "file_name": item.path.name,
        "size": item.size,
        "format": item.format,
        "width": item.width,
        "height": item.height,
        "ingested_at": ingested_at,
        "created_at": created,
        "tool": str(rec.tool),
        "prompt": rec.prompt,
        "negative_prompt": rec.negative_prompt,
        "model": rec.model,
        "models": rec.diffusion_models(),
        "model_hash": rec.model_hash,
        "lora_names": [lora.name for lora in rec.loras],
        "lora_weights": [lora.weight for lora in rec.loras],
        "controlnets": rec.controlnets,
        "sampler": rec.sampler,
        "scheduler": rec.scheduler,
        "steps": rec.steps,
        "cfg": rec.cfg,
        "seed": _seed(rec.seed),
        "gen_width": rec.width,
        "gen_height": rec.height,
        "title": rec.title,
        "description": rec.description,
        "tags": rec.tags,
        "job_id": rec.job_id,
        "software": rec.software,
        "provenance": provenance_json(rec.provenance),
        "provenance_state": rec.provenance.state if rec.provenance else None,
        "ai_made": rec.provenance.ai_made if rec.provenance else None,
        "stages": stages_json(rec.stages),
        "raw_metadata": json.dumps(rec.raw, ensure_ascii=False),
        "warnings": item.warnings,
        "thumbnail": item.thumbnail,
        "embed_text": embedding_text(rec),
        "search_text": keyword_text(rec, str(item.path)),
    }


def from_row(row: dict[str, Any]) -> Asset:
    weights = row.get("lora_weights") or []
    record = GenerationRecord(
        tool=Tool(row["tool"]) if row.get("tool") in Tool._value2member_map_ else Tool.UNKNOWN,
        prompt=row.get("prompt") or "",
        negative_prompt=row.get("negative_prompt") or "",
        model=row.get("model"),
        models=list(row.get("models") or ([row["model"]] if row.get("model") else [])),
        model_hash=row.get("model_hash"),
        loras=[
            LoRA(name, weights[i] if i < len(weights) else None)
            for i, name in enumerate(row.get("lora_names") or [])
        ],
        controlnets=list(row.get("controlnets") or []),
        sampler=row.get("sampler"),
        scheduler=row.get("scheduler"),
        steps=row.get("steps"),
        cfg=row.get("cfg"),
        seed=row.get("seed"),
        width=row.get("gen_width"),
        height=row.get("gen_height"),
        created_at=row.get("created_at"),
        title=row.get("title"),
        description=row.get("description"),
        tags=list(row.get("tags") or []),
        job_id=row.get("job_id"),
        software=row.get("software"),
        provenance=provenance_from_json(row.get("provenance")),
        stages=stages_from_json(row.get("stages")),
        raw=json.loads(row["raw_metadata"]) if row.get("raw_metadata") else {},
    )
    return Asset(
        id=row["id"],
        path=row["path"],
        paths=list(row.get("paths") or [row["path"]]),
        size=row["size"],
        format=row["format"],
        width=row["width"],
        height=row["height"],
        created_at=row.get("created_at"),
        ingested_at=row["ingested_at"],
        record=record,
        warnings=list(row.get("warnings") or []),
        thumbnail=row.get("thumbnail"),
    )
