"""The node/link model, and the two saved graphs parsed into it.

`prompt` (the API graph) maps straight onto it; `workflow` (the UI graph) either lends output
names and types to the API graph or, when it is all the file has, is rebuilt into an API-like
graph. Walks over the model keep visited sets, so cycles and dangling links end a branch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.readers.comfyui.nodes import WIDGETS
from latentdam.extract.readers.values import load_json_object

NodeId = str
Ref = tuple[NodeId, int]  # (source node, output index)


@dataclass(slots=True)
class Node:
    class_type: str
    inputs: dict[str, Any]


@dataclass(slots=True)
class Graph:
    nodes: dict[NodeId, Node]
    # output slot -> (name, type), from the UI graph; empty when there is none
    outputs: dict[Ref, tuple[str, str]] = field(default_factory=dict)

    def ref(self, value: Any) -> Ref | None:
        """A link value `[source id, output index]`, or None for a widget value."""
        if (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], (str, int))
            and not isinstance(value[0], bool)
            and isinstance(value[1], int)
            and not isinstance(value[1], bool)
        ):
            return str(value[0]), value[1]
        return None

    def source(self, value: Any) -> tuple[NodeId, Node, int] | None:
        """The node a link points at; None for widgets and dangling links."""
        ref = self.ref(value)
        if ref is None or ref[0] not in self.nodes:
            return None
        return ref[0], self.nodes[ref[0]], ref[1]

    def link_type(self, value: Any) -> str | None:
        ref = self.ref(value)
        slot = self.outputs.get(ref) if ref else None
        return slot[1] if slot else None

    def sources(self, node_id: NodeId) -> list[NodeId]:
        """The nodes `node_id` takes a link from (dangling links left out)."""
        node = self.nodes.get(node_id)
        if node is None:
            return []
        return [src[0] for value in node.inputs.values() if (src := self.source(value)) is not None]

    def topological_order(self) -> list[NodeId]:
        """Every node after the nodes it takes links from (Kahn's algorithm, ties by id); nodes
        on a cycle, which have no such place, come last by id."""
        consumers: dict[NodeId, list[NodeId]] = {nid: [] for nid in self.nodes}
        waiting: dict[NodeId, int] = {}
        for nid in self.nodes:
            sources = set(self.sources(nid))
            waiting[nid] = len(sources)
            for src in sources:
                consumers[src].append(nid)
        ready = sorted((nid for nid, n in waiting.items() if n == 0), key=id_order, reverse=True)
        order: list[NodeId] = []
        while ready:
            nid = ready.pop()
            order.append(nid)
            for consumer in consumers[nid]:
                waiting[consumer] -= 1
                if waiting[consumer] == 0:
                    ready.append(consumer)
        if len(order) < len(self.nodes):
            placed = set(order)
            order += sorted((nid for nid in self.nodes if nid not in placed), key=id_order)
        return order

    def upstream(self, start: NodeId) -> set[NodeId]:
        """Every node `start` depends on (iterative, so cycles and long chains are fine)."""
        seen: set[NodeId] = set()
        stack = [start]
        while stack:
            node = self.nodes.get(stack.pop())
            if node is None:
                continue
            for value in node.inputs.values():
                src = self.source(value)
                if src and src[0] not in seen:
                    seen.add(src[0])
                    stack.append(src[0])
        return seen


def id_order(node_id: NodeId) -> tuple[int, int, str]:
    return (0, int(node_id), "") if node_id.isdigit() else (1, 0, node_id)


# --------------------------------------------------------------------------- parsing


def load_json(text: str, what: str) -> dict[str, Any]:
    """A `prompt` or `workflow` chunk as a JSON object; CorruptMetadata otherwise (too deep too)."""
    return load_json_object(
        text, f"ComfyUI {what}", not_object="is not a JSON object", too_deep_is_corrupt=True
    )


def api_graph(data: dict[str, Any]) -> Graph:
    nodes: dict[NodeId, Node] = {}
    for nid, node in data.items():
        if isinstance(node, dict) and isinstance(node.get("class_type"), str):
            inputs = node.get("inputs")
            nodes[str(nid)] = Node(node["class_type"], inputs if isinstance(inputs, dict) else {})
    if not nodes:
        raise CorruptMetadata("ComfyUI prompt holds no nodes")
    return Graph(nodes)


def _ui_nodes(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = workflow.get("nodes")
    if not isinstance(nodes, list):
        raise CorruptMetadata("ComfyUI workflow has no node list")
    return [
        n for n in nodes if isinstance(n, dict) and _is_id(n.get("id")) and isinstance(n.get("type"), str)
    ]


def _slots(node: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A UI node's input/output slot list; a malformed slot becomes an empty dict, keeping the
    positions (output index = position)."""
    slots = node.get(key)
    return [s if isinstance(s, dict) else {} for s in slots] if isinstance(slots, list) else []


def ui_outputs(workflow: dict[str, Any]) -> dict[Ref, tuple[str, str]]:
    """Output slot names and types of the UI graph (node ids shared with the API graph)."""
    out: dict[Ref, tuple[str, str]] = {}
    for node in _ui_nodes(workflow):
        for i, slot in enumerate(_slots(node, "outputs")):
            if slot:
                out[(str(node["id"]), i)] = (str(slot.get("name", "")), str(slot.get("type", "")))
    return out


_MUTED, _BYPASSED = 2, 4  # UI node `mode` values


def graph_from_workflow(workflow: dict[str, Any]) -> Graph:
    """Rebuild an API-like graph from the UI graph, as the frontend would queue it: muted nodes
    dropped, bypassed nodes and Reroutes wired through, widgets named from `WIDGETS` (unknown
    classes keep only their links: their widget order is not knowable from the file)."""
    ui = {str(n["id"]): n for n in _ui_nodes(workflow)}
    links = _ui_links(workflow.get("links"))
    nodes: dict[NodeId, Node] = {}
    for nid, node in ui.items():
        if node.get("mode") in (_MUTED, _BYPASSED) or node["type"] in ("Reroute", "Note", "MarkdownNote"):
            continue
        inputs = _ui_widgets(node)
        for slot in _slots(node, "inputs"):
            if isinstance(slot.get("name"), str):
                ref = _ui_source(ui, links, slot.get("link"), set())
                if ref is not None:
                    inputs[slot["name"]] = [ref[0], ref[1]]
        nodes[nid] = Node(node["type"], inputs)
    if not nodes:
        raise CorruptMetadata("ComfyUI workflow holds no nodes")
    return Graph(nodes, ui_outputs(workflow))


def _ui_links(raw: Any) -> dict[Any, tuple[str, int, str]]:
    """link id -> (source node, source slot, type); both the list and the object form."""
    out: dict[Any, tuple[str, int, str]] = {}
    for link in raw if isinstance(raw, list) else []:
        if isinstance(link, list) and len(link) >= 6:
            link_id, src, slot, typ = link[0], link[1], link[2], link[5]
        elif isinstance(link, dict):
            link_id, src, slot = link.get("id"), link.get("origin_id"), link.get("origin_slot")
            typ = link.get("type")
        else:
            continue
        if _is_id(link_id) and _is_id(src) and isinstance(slot, int):
            out[link_id] = (str(src), slot, str(typ))
    return out


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _ui_source(
    ui: dict[NodeId, dict[str, Any]], links: dict[Any, tuple[str, int, str]], link_id: Any, seen: set[Any]
) -> Ref | None:
    """Where a UI link really comes from, looking through Reroutes and bypassed nodes (which pass
    their first input of the output's type on)."""
    if not _is_id(link_id) or link_id in seen or link_id not in links:
        return None
    seen.add(link_id)
    src, slot, typ = links[link_id]
    node = ui.get(src)
    if node is None or node.get("mode") == _MUTED:
        return None
    if node["type"] == "Reroute" or node.get("mode") == _BYPASSED:
        slots = [s for s in _slots(node, "inputs") if s.get("link") is not None]
        same = [s for s in slots if s.get("type") == typ] or slots[:1]
        return _ui_source(ui, links, same[0]["link"], seen) if same else None
    return src, slot


def _ui_widgets(node: dict[str, Any]) -> dict[str, Any]:
    values = node.get("widgets_values")
    if not isinstance(values, list):
        return {}
    if node["type"] == "Power Lora Loader (rgthree)":
        dicts = [v for v in values if isinstance(v, dict) and "lora" in v]
        return {f"lora_{i}": v for i, v in enumerate(dicts, start=1)}
    names = WIDGETS.get(node["type"], ())
    return {name: value for name, value in zip(names, values, strict=False) if name != "_"}
