"""`ComfyUIReader`: find the graph chunks, parse the graphs, trace every sampler, make the record."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.comfyui.graph import (
    Graph,
    api_graph,
    graph_from_workflow,
    load_json,
    ui_outputs,
)
from latentdam.extract.readers.comfyui.stage import record_from_stages
from latentdam.extract.readers.comfyui.trace import Tracer
from latentdam.extract.record import GenerationRecord, Tool


def _chunks(meta: RawMetadata) -> tuple[str | None, str | None]:
    """The `prompt` and `workflow` JSON texts: PNG chunks, else `prompt:`/`workflow:` EXIF strings."""
    prompt, workflow = _json_like(meta.text.get("prompt")), _json_like(meta.text.get("workflow"))
    for value in meta.exif.values():
        if not isinstance(value, str):
            continue
        text = value.strip().strip("\x00")
        if prompt is None and text.startswith("prompt:"):
            prompt = _json_like(text[len("prompt:") :])
        elif workflow is None and text.startswith("workflow:"):
            workflow = _json_like(text[len("workflow:") :])
    return prompt, workflow


def _json_like(text: str | None) -> str | None:
    return text if text is not None and text.lstrip().startswith("{") else None


class ComfyUIReader:
    """Reads ComfyUI's `prompt` (API graph) and `workflow` (UI graph) metadata."""

    tool = Tool.COMFYUI

    def can_read(self, meta: RawMetadata) -> bool:
        prompt, workflow = _chunks(meta)
        return prompt is not None or workflow is not None

    def read(self, meta: RawMetadata) -> GenerationRecord:
        graph = self._graph(*_chunks(meta))
        return record_from_stages(Tracer(graph).stages())

    def _graph(self, prompt: str | None, workflow: str | None) -> Graph:
        """The API graph typed by the UI graph; the UI graph alone when the API graph is absent
        or unreadable (a broken `prompt` with a good `workflow` is still a readable file)."""
        ui: dict[str, Any] | None = None
        ui_error: CorruptMetadata | None = None
        if workflow is not None:
            try:
                ui = load_json(workflow, "workflow")
            except CorruptMetadata as exc:
                ui_error = exc
        if prompt is not None:
            try:
                graph = api_graph(load_json(prompt, "prompt"))
            except CorruptMetadata:
                if ui is None:
                    raise
            else:
                if ui is not None:
                    # the types only refine the walk; the API graph stands alone without them
                    with suppress(CorruptMetadata):
                        graph.outputs = ui_outputs(ui)
                return graph
        if ui is None:
            raise ui_error or CorruptMetadata("no ComfyUI graph")
        return graph_from_workflow(ui)
