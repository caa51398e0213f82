"""Midjourney: downloaded images carry the prompt in their description (XMP dc:description,
PNG `Description`, IPTC Caption-Abstract or EXIF ImageDescription):

    a red fox in snow --ar 16:9 --v 6.1 --no people Job ID: 9f1c6a8e-3b1d-4d6f-a2b0-7c0f7e0e1a2b

The prompt is the text before the first `--param`; `--seed` gives the seed, `--v`/`--niji`
the model, `--no` the negative prompt. Other parameters (--ar, --stylize, --chaos...) stay in
the raw description.
"""

from __future__ import annotations

import re

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.descriptive import xmp_properties
from latentdam.extract.record import GenerationRecord, Tool

_JOB_ID = re.compile(r"\s*Job ID:\s*([0-9A-Za-z-]+)\s*")
# a parameter starts at ` --name` (names are letters); `--` inside words is left alone
_PARAM = re.compile(r"(?:^|\s)--([a-zA-Z]+)\b")


def _descriptions(meta: RawMetadata) -> list[str]:
    candidates = [
        *xmp_properties(meta.xmp).get("dc:description", []),
        meta.text.get("Description"),
        meta.iptc.get("Caption-Abstract"),
        meta.exif.get("ImageDescription"),
    ]
    return [c for c in candidates if isinstance(c, str) and c.strip()]


def _names_midjourney(meta: RawMetadata) -> bool:
    xmp = xmp_properties(meta.xmp)
    values = [
        meta.exif.get("Software"),
        meta.text.get("Software"),
        meta.iptc.get("Credit"),
        *xmp.get("xmp:CreatorTool", []),
        *xmp.get("photoshop:Credit", []),
    ]
    return any(isinstance(v, str) and "midjourney" in v.lower() for v in values)


def parse_parameters(text: str) -> tuple[str, dict[str, str]]:
    """`prompt --a 1 --b two words` -> ("prompt", {"a": "1", "b": "two words"}); a repeated
    parameter keeps its values joined with ", "."""
    matches = list(_PARAM.finditer(text))
    if not matches:
        return text.strip(), {}
    params: dict[str, str] = {}
    for match, nxt in zip(matches, [*matches[1:], None], strict=True):
        value = text[match.end() : nxt.start() if nxt else len(text)].strip()
        name = match.group(1).lower()
        params[name] = f"{params[name]}, {value}" if name in params and value else value
    return text[: matches[0].start()].strip(), params


def _model(params: dict[str, str]) -> str | None:
    version = params.get("v") or params.get("version")
    if version:
        return f"Midjourney v{version}"
    if "niji" in params:
        return f"Niji {params['niji']}".strip()
    return None


def _seed(params: dict[str, str]) -> int | None:
    value = params.get("seed") or params.get("sameseed")
    return int(value) if value and value.isdigit() else None


class MidjourneyReader:
    """Midjourney downloads (PNG, JPEG, WebP)."""

    tool = Tool.MIDJOURNEY

    def can_read(self, meta: RawMetadata) -> bool:
        return any("Job ID:" in d for d in _descriptions(meta)) or _names_midjourney(meta)

    def read(self, meta: RawMetadata) -> GenerationRecord:
        descriptions = _descriptions(meta)
        text = next((d for d in descriptions if "Job ID:" in d), descriptions[0] if descriptions else "")
        job_id = None
        match = _JOB_ID.search(text)
        if match:
            job_id = match.group(1)
            text = text[: match.start()] + " " + text[match.end() :]
        prompt, params = parse_parameters(text)
        return GenerationRecord(
            tool=self.tool,
            prompt=prompt,
            negative_prompt=params.get("no", ""),
            model=_model(params),
            seed=_seed(params),
            job_id=job_id,
            software="Midjourney",
        )
