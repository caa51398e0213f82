"""Same prompt, other seeds and models: the assets that share an asset's prompt, and which
generation parameters vary among them — what a person compares when iterating on a prompt."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from latentdam.store.asset import Asset

# what can differ between two renders of one prompt, as a person names it
_PARAMETERS: dict[str, Callable[[Asset], Any]] = {
    "tool": lambda a: a.record.tool.value,
    "model": lambda a: a.record.model,
    "loras": lambda a: tuple((lora.name, lora.weight) for lora in a.record.loras),
    "sampler": lambda a: a.record.sampler,
    "scheduler": lambda a: a.record.scheduler,
    "steps": lambda a: a.record.steps,
    "cfg": lambda a: a.record.cfg,
    "seed": lambda a: a.record.seed,
    "size": lambda a: (a.record.width or a.width, a.record.height or a.height),
    "negative_prompt": lambda a: a.record.negative_prompt,
}


class PromptVariants(BaseModel):
    """An asset's prompt and the other assets made from exactly that prompt."""

    id: str = Field(description="the asset asked about")
    prompt: str = Field(description="the prompt they share (empty: the asset has none)")
    total: int = Field(description="how many other assets share it (more than listed when over the limit)")
    varies: list[str] = Field(description="the generation parameters that differ among them, as named above")
    variants: list[Asset] = Field(description="the others, newest first")


def varying(assets: Sequence[Asset]) -> list[str]:
    """The parameters whose values are not all the same across `assets`."""
    return [name for name, value in _PARAMETERS.items() if len({value(a) for a in assets}) > 1]
