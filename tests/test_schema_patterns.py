"""`exsim schema` for editors (issue 10): `$schema`, patterns that accept exactly what the loader accepts,
and `hubs: lots` told that a count or a list is allowed."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import quantities, units


@pytest.fixture(scope="module")
def schema() -> dict:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["schema"]) == 0
    return json.loads(buffer.getvalue())


def test_schema_names_its_dialect_and_is_a_valid_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_bundled_scenario_is_valid_against_the_schema(schema, root):
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((root / "scenarios").glob("*.yaml")):
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(path.read_text()))
        ]
        assert not errors, (path.name, errors)


@pytest.mark.parametrize("path, value, valid", [
    (("duration",), "30 parsecs", False), (("duration",), "2h30m", True), (("duration",), 3600, True),
    (("sample_interval",), "5 min", True), (("sample_interval",), "fortnight", False),
    (("site_links", 0, "bandwidth"), "10Mbps", True), (("site_links", 0, "bandwidth"), "10 furlongs", False),
    (("site_links", 0, "bandwidth"), "Unlimited", True), (("workload", "rate"), "2/s", True),
    (("workload", "rate"), "2 per second", False), (("sites", 0, "hubs"), 2, True), (("sites", 0, "hubs"), "lots", False),
])  # fmt: skip
def test_editors_flag_what_the_loader_refuses(schema, path, value, valid):
    scenario = {"name": "x", "sites": [{"name": "A", "hubs": [{"name": "HUB1"}]}, {"name": "B"}],
                "site_links": [{"sites": ["A", "B"]}], "workload": {}}  # fmt: skip
    node = scenario
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(scenario))
    assert (not errors) == valid, [e.message for e in errors]


PARSERS = [
    (quantities.DURATION_PATTERN, units.parse_duration),
    (quantities.SIZE_PATTERN, units.parse_size),
    (quantities.BANDWIDTH_PATTERN, units.parse_bandwidth),
    (quantities.RATE_PATTERN, units.parse_rate),
]
TEXT = st.text(alphabet=" 0123456789.eE+-/smhdinuteclyrbkKBMgGpPsSoaUL", max_size=12)


@pytest.mark.parametrize("pattern, parse", PARSERS, ids=["duration", "size", "bandwidth", "rate"])
@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_pattern_accepts_exactly_what_the_parser_accepts(pattern, parse, text):
    try:
        parse(text)
        accepted = True
    except ValueError as error:
        if "finite" in str(error):  # "9e999s": the right shape, too large a number; no pattern can say so
            return
        accepted = False
    assert (re.search(pattern, text) is not None) == accepted, text


def test_hubs_lots_says_a_count_or_a_list_is_allowed(tmp_path, capsys):
    path = tmp_path / "lots.yaml"
    path.write_text(
        "name: x\nsites:\n  - name: A\n    hubs: lots\n    mailbox_servers: [{name: MBX1, mailboxes: 10}]\n"
    )
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"{path}: sites[0].hubs: must be a list of servers or a count of zero or more, got 'lots'"]
