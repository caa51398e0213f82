"""Every command's --json output has the documented shape (`latentdam schema COMMAND`): the
keys its schema names, values that validate against it. One library, every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from cli_support import run_cli
from conftest import a1111_writer
from latentdam.outputs import OUTPUTS, json_schema


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each command's --json document, run on one small library."""
    root = tmp_path_factory.mktemp("json")
    make = a1111_writer(root)
    fox, ship = make("fox.png", "a red fox in the snow"), make("ship.png", "a starship above a planet")
    (root / "images" / "fox copy.png").write_bytes(fox.read_bytes())
    env = {"LATENTDAM_LIBRARY": str(root / "lib")}

    def doc(*args: str | Path) -> Any:
        return json.loads(run_cli(*args, "--json", env=env).stdout)

    found = {"ingest": doc("ingest", root / "images")}
    found["search"] = doc("search", "a fox", "-n", "1")
    found["similar"] = doc("similar", str(fox))
    found["duplicates"] = doc("duplicates")
    found["reembed"] = doc("reembed", "--model", "minilm")
    found["refresh"] = doc("refresh")
    found["show"] = doc("show", str(ship))
    found["stats"] = doc("stats")
    found["prune"] = doc("prune", "--dry-run")
    found["optimize"] = doc("optimize")
    found["export"] = doc("export", root / "records.jsonl")
    found["spaces"] = doc("spaces")
    found["keys create"] = doc("keys", "create", "ci", "--scope", "search")
    found["keys list"] = doc("keys", "list")
    return found


def test_every_command_with_json_output_is_covered(outputs: dict[str, Any]) -> None:
    assert set(outputs) == set(OUTPUTS)


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_the_output_has_the_documented_shape(command: str, outputs: dict[str, Any]) -> None:
    data, schema = outputs[command], json_schema(command)
    assert set(data) <= set(schema["properties"]), set(data) - set(schema["properties"])
    assert set(schema.get("required", [])) <= set(data)
    TypeAdapter(OUTPUTS[command]).validate_python(data)  # every value of its documented type
