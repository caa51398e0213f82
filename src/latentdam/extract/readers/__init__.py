"""One reader per generator format. Order matters: the first reader whose marker is present
wins, so the most specific markers come first (Fooocus and A1111 both use `parameters`)."""

from __future__ import annotations

from latentdam.extract.readers.a1111 import A1111Reader
from latentdam.extract.readers.base import MetadataReader
from latentdam.extract.readers.comfyui import ComfyUIReader
from latentdam.extract.readers.drawthings import DrawThingsReader
from latentdam.extract.readers.easydiffusion import EasyDiffusionReader
from latentdam.extract.readers.fooocus import FooocusReader
from latentdam.extract.readers.invokeai import InvokeAIReader
from latentdam.extract.readers.midjourney import MidjourneyReader
from latentdam.extract.readers.novelai import NovelAIReader
from latentdam.extract.readers.swarmui import SwarmUIReader

GENERATOR_READERS: list[MetadataReader] = [
    ComfyUIReader(),
    InvokeAIReader(),
    NovelAIReader(),
    SwarmUIReader(),
    EasyDiffusionReader(),
    DrawThingsReader(),
    FooocusReader(),
    A1111Reader(),
    MidjourneyReader(),
]

__all__ = ["GENERATOR_READERS", "MetadataReader"]
