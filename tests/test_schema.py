"""The scenario schema: `exsim schema`, a description on every field, hub counts and `--set` overrides."""

from __future__ import annotations

import json
import typing

import pytest
from pydantic import BaseModel

from sim.cli import main
from sim.scenario.loading import load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.quantities import DURATION_PATTERN
from sim.scenario.schema import Scenario

SEATTLE = {
    "name": "schema test",
    "sites": [
        {"name": "Seattle", "hubs": [{"name": "SEA-HUB1"}], "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 100}]}
    ],
}


@pytest.fixture
def schema(capsys) -> dict:
    assert main(["schema"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_schema_is_json_with_the_main_sections(schema):
    assert schema["type"] == "object"
    assert {"sites", "workload", "faults", "duration", "site_links"} <= set(schema["properties"])
    assert schema["required"] == ["sites"]
    assert schema["additionalProperties"] is False  # unknown keys are refused, so editors can flag them


def test_schema_carries_descriptions(schema):
    props = schema["properties"]
    assert props["duration"]["description"] == "simulated time during which mail is generated"
    assert props["duration"]["default"] == 8 * 3600.0
    fault = schema["$defs"]["Fault"]["properties"]
    assert fault["down_at"]["description"] == "time from the start of the run"
    assert schema["$defs"]["Hub"]["properties"]["cores"]["description"].startswith("processor cores")
    # a quantity with a unit shows editors that text such as "30s" is expected
    # (and, since issue 10, the pattern of what the loader accepts, so editors flag "30 parsecs")
    assert {"type": "string", "examples": ["30s"], "pattern": DURATION_PATTERN} in props["duration"]["anyOf"]


# ---- every field of every model has a description ----------------------------------------------

# Fields of sim/scenario.py that lack a description, reported to the owner of that file. The test
# fails on any other field without one (a new gap) and on any field here that has one now (delete it
# from this list), so the list only ever shrinks.
PENDING_DESCRIPTIONS: set[str] = set()


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _is_list(annotation) -> bool:
    if typing.get_origin(annotation) in (list, tuple):
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def fields_without_description() -> list[str]:
    """'Model.field (key.path)' for every field reachable from Scenario that has no description."""
    missing, seen = [], set()
    todo: list[tuple[type[BaseModel], str]] = [(Scenario, "")]
    while todo:
        model, prefix = todo.pop(0)
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            path = f"{prefix}{name}"
            if not (field.description or "").strip():
                missing.append(f"{model.__name__}.{name} ({path})")
            step = "[*]." if _is_list(field.annotation) else "."
            todo += [(sub, path + step) for sub in _models_in(field.annotation)]
    return missing


def test_the_walk_reaches_every_model():
    from sim.scenario.distributions import CountDistribution, Service, SizeDistribution
    from sim.scenario.schema import Fault, Hub, MailboxServer, Site, SiteLink, Stages, Workload

    reached = {line.split(".")[0] for line in _all_fields()}
    for model in (
        Scenario,
        Site,
        Hub,
        MailboxServer,
        SiteLink,
        Stages,
        Workload,
        Fault,
        Service,
        SizeDistribution,
        CountDistribution,
    ):
        assert model.__name__ in reached


def _all_fields() -> list[str]:
    seen, out, todo = set(), [], [Scenario]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            out.append(f"{model.__name__}.{name}")
            todo += _models_in(field.annotation)
    return out


def test_every_field_has_a_description():
    missing = set(fields_without_description())
    new = sorted(missing - PENDING_DESCRIPTIONS)
    assert not new, "fields without a description: " + "; ".join(new)
    fixed = sorted(PENDING_DESCRIPTIONS - missing)
    assert not fixed, "these have a description now; delete them from PENDING_DESCRIPTIONS: " + "; ".join(fixed)


# ---- hub counts and overrides ------------------------------------------------------------------


def test_hub_count_expands_to_named_hubs():
    raw = {"sites": [{"name": "Seattle", "hubs": 3, "mailbox_servers": [{"name": "SEA-MBX1"}]}]}
    scenario = load_scenario(raw)
    hubs = scenario.sites[0].hubs
    assert [hub.name for hub in hubs] == ["Seattle-HUB1", "Seattle-HUB2", "Seattle-HUB3"]
    assert all(hub.cores == 4 for hub in hubs)  # the documented default


def test_hub_count_zero_with_a_colocated_hub():
    raw = {
        "sites": [
            {"name": "Seattle", "hubs": 0, "mailbox_servers": [{"name": "SEA-MBX1", "roles": ["mailbox", "hub"]}]}
        ]
    }
    site = load_scenario(raw).sites[0]
    assert site.hubs == []
    assert [hub.name for hub in site.all_hubs] == ["SEA-MBX1"]


def test_set_hub_count_through_load_scenario(tmp_path):
    path = tmp_path / "seattle.yaml"
    path.write_text(json.dumps(SEATTLE), encoding="utf-8")  # JSON is YAML
    scenario = load_scenario(path, overrides={"sites.Seattle.hubs": "3"})
    # issue 9: a count over a list of Hubs keeps them and names the new ones on from the last (was Seattle-HUB1..3)
    assert [hub.name for hub in scenario.sites[0].hubs] == ["SEA-HUB1", "SEA-HUB2", "SEA-HUB3"]
    # the file itself is unchanged, and loading it without overrides gives its one Hub
    assert [hub.name for hub in load_scenario(path).sites[0].hubs] == ["SEA-HUB1"]


def test_set_by_index_by_name_and_nested(tmp_path):
    scenario = load_scenario(
        SEATTLE,
        overrides={
            "sites[0].hubs[0].cores": "8",
            "sites.Seattle.mailbox_servers.SEA-MBX1.mailboxes": "250",
            "workload.rate": "2/s",
            "stages.categorizer": "10ms",
        },
    )
    assert scenario.sites[0].hubs[0].cores == 8
    assert scenario.sites[0].mailbox_servers[0].mailboxes == 250
    assert scenario.workload.rate == 2.0
    assert scenario.stages.categorizer.mean == 0.010
    assert SEATTLE["sites"][0]["hubs"][0] == {"name": "SEA-HUB1"}  # the caller's mapping is not changed


@pytest.mark.parametrize(
    "text, value",
    [
        ("8", 8),
        ("2.5", 2.5),
        ("true", True),
        ("[1, 2]", [1, 2]),
        ("{dist: constant, mean: 2}", {"dist": "constant", "mean": 2}),
        ("2/s", "2/s"),
        ("30s", "30s"),
        ("", ""),
    ],
)
def test_override_values_are_read_as_yaml(text, value):
    raw = {"workload": {}}
    apply_overrides(raw, {"workload.recipients": text})
    assert raw["workload"]["recipients"] == value
    assert type(raw["workload"]["recipients"]) is type(value)


def test_override_of_a_text_field_keeps_the_text():
    raw = {}
    apply_overrides(raw, {"name": "2024", "domain": "yes"})
    assert raw == {"name": "2024", "domain": "yes"}


def test_override_into_a_section_written_empty():
    raw = {"workload": None}
    apply_overrides(raw, {"workload.rate": "5/min"})
    assert raw == {"workload": {"rate": "5/min"}}
