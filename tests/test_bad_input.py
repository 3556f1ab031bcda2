"""A wrong scenario file gets one clear line per problem, naming the file and the key path, and exit 2.

Each case writes a small YAML file, runs `exsim validate FILE` (through sim.cli.main, and a few
through a real `python -m sim` process) and checks the exact message, the exit status, and that
every problem of the file is reported at once.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.loading import load_scenario

MINIMAL = """\
name: Minimal
sites:
  - name: Seattle
    hubs: [{name: SEA-HUB1}, {name: SEA-HUB2}]
    mailbox_servers: [{name: SEA-MBX1, mailboxes: 100}]
"""

TWO_SITES = """\
name: Two sites
sites:
  - name: Seattle
    hubs: [{name: SEA-HUB1}]
    mailbox_servers: [{name: SEA-MBX1}]
  - name: London
    hubs: [{name: LON-HUB1}]
    mailbox_servers: [{name: LON-MBX1}]
"""


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def exsim(capsys, *argv: str) -> tuple[int, str, list[str]]:
    """Exit status, stdout and the stderr lines of one `exsim` command run in-process."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def validate_text(tmp_path, capsys, text: str, *extra: str) -> tuple[str, list[str]]:
    """Validate a scenario text that must be rejected; its file name and the stderr lines."""
    path = write(tmp_path, text)
    code, out, lines = exsim(capsys, "validate", path, *extra)
    assert code == 2, f"expected exit status 2, got {code}; stderr: {lines}"
    assert out == "", "a rejected scenario prints no topology"
    assert lines, "a rejected scenario says why on stderr"
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return path, lines


def only_line(tmp_path, capsys, text: str, *extra: str) -> str:
    """The single stderr line for a file with one mistake, without the leading 'FILE: '."""
    path, lines = validate_text(tmp_path, capsys, text, *extra)
    assert len(lines) == 1, lines
    return lines[0].removeprefix(f"{path}: ")


# ---- the file itself ---------------------------------------------------------------------------


def test_missing_file(tmp_path, capsys):
    path = str(tmp_path / "nope.yaml")
    code, out, lines = exsim(capsys, "validate", path)
    assert code == 2 and out == ""
    assert lines == [f"{path}: no such file; give the path of a scenario YAML file, e.g. scenarios/quickstart.yaml"]


def test_directory_instead_of_file(tmp_path, capsys):
    code, _, lines = exsim(capsys, "validate", str(tmp_path))
    assert code == 2
    assert lines == [f"{tmp_path}: is a folder; give the path of a scenario YAML file"]


def test_yaml_syntax_error_names_the_line(tmp_path, capsys):
    text = "name: demo\nduration: 8h\n  warmup: 30m\n"
    assert only_line(tmp_path, capsys, text) == (
        "YAML syntax error at line 3, column 9: mapping values are not allowed here"
    )


def test_yaml_unclosed_bracket_names_the_line(tmp_path, capsys):
    text = "name: demo\nsites:\n  - {name: Seattle, hubs: [SEA-HUB1}\n"
    message = only_line(tmp_path, capsys, text)
    assert message.startswith("YAML syntax error at line 3, column 36: ")


def test_a_list_is_not_a_scenario(tmp_path, capsys):
    assert only_line(tmp_path, capsys, "- name: Seattle\n- name: London\n") == (
        "a scenario file must be a YAML mapping (keys such as name, sites, workload); found a list"
    )


def test_empty_file(tmp_path, capsys):
    assert only_line(tmp_path, capsys, "") == (
        "a scenario file must be a YAML mapping (keys such as name, sites, workload); the file is empty"
    )


def test_comment_only_file_counts_as_empty(tmp_path, capsys):
    assert only_line(tmp_path, capsys, "# nothing yet\n").endswith("the file is empty")


def test_key_written_twice_is_not_silently_overwritten(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "duration: 1h\nduration: 2h\n") == (
        "line 7: key 'duration' is written twice in one mapping (also line 6); keep one"
    )


def test_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Z\xfcrich\n".encode("latin-1"))
    code, _, lines = exsim(capsys, "validate", str(path))
    assert code == 2
    assert lines == [
        f"{path}: cannot read as UTF-8 text (invalid start byte at byte 7); save the scenario as a UTF-8 YAML file"
    ]


def test_control_character_is_one_line_with_its_line_number(tmp_path, capsys):
    path = tmp_path / "ctl.yaml"
    path.write_text(MINIMAL + "description: a\x01b\n", encoding="utf-8")
    code, _, lines = exsim(capsys, "validate", str(path))
    assert code == 2
    assert lines == [f"{path}: YAML syntax error at line 6: character #x0001 is not allowed in YAML text"]


# ---- shape and values --------------------------------------------------------------------------


def test_unknown_key_suggests_the_nearest_name(tmp_path, capsys):
    text = MINIMAL.replace("{name: SEA-HUB2}", "{name: SEA-HUB2, core: 8}")
    assert only_line(tmp_path, capsys, text) == "sites[0].hubs[1].core: unknown key (did you mean 'cores'?)"


def test_unknown_top_level_key(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workloads: {profile: heavy}\n") == (
        "workloads: unknown key (did you mean 'workload'?)"
    )


def test_unknown_key_far_from_any_name_lists_the_known_ones(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "mail_submission: {zzz: 1}\n") == (
        "mail_submission.zzz: unknown key (known: retry_interval)"
    )


def test_wrong_type(tmp_path, capsys):
    text = MINIMAL.replace("{name: SEA-HUB2}", "{name: SEA-HUB2, cores: four}")
    assert only_line(tmp_path, capsys, text) == "sites[0].hubs[1].cores: must be a whole number, got 'four'"


def test_wrong_type_list_where_a_mapping_is_expected(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: [average]\n") == (
        "workload: must be a mapping (key: value) with keys such as profile, sent_per_mailbox_per_day, "
        "diurnal, start_of_day, got ['average']"
    )


def test_zero_cores(tmp_path, capsys):
    text = MINIMAL.replace("{name: SEA-HUB2}", "{name: SEA-HUB2, cores: 0}")
    assert only_line(tmp_path, capsys, text) == "sites[0].hubs[1].cores: must be 1 or more, got 0"


def test_zero_rate(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {rate: 0/s}\n") == (
        "workload.rate: must be greater than 0, got '0/s'"
    )


def test_negative_rate(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {rate: -2/s}\n") == (
        "workload.rate: must be greater than 0, got '-2/s'"
    )


def test_negative_duration_shows_the_text_written(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "duration: -5m\n") == "duration: must be greater than 0, got '-5m'"


def test_negative_latency(tmp_path, capsys):
    text = TWO_SITES + "site_links: [{sites: [Seattle, London], latency: -80ms}]\n"
    assert only_line(tmp_path, capsys, text) == "site_links[0].latency: must be 0 or more, got '-80ms'"


def test_duration_bound_is_shown_as_a_duration(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {start_of_day: 25h}\n") == (
        "workload.start_of_day: must be less than 1d, got '25h'"
    )


def test_bad_unit(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "duration: 30 parsecs\n") == (
        "duration: expected a duration such as '30s', '5m' or '2h30m' (units ms, s, m, h, d), got '30 parsecs'"
    )


def test_bad_unit_in_a_shorthand_is_reported_where_it_was_written(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "stages: {categorizer: 5 parsecs}\n") == (
        "stages.categorizer: expected a duration such as '30s', '5m' or '2h30m' (units ms, s, m, h, d), got '5 parsecs'"
    )


def test_infinite_duration_is_refused(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "duration: .inf\n") == (
        "duration: expected a finite quantity, got inf"
    )


def test_warmup_not_shorter_than_duration(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "duration: 1h\nwarmup: 2h\n") == (
        "warmup: must be shorter than duration, got '2h' while duration is '1h'"
    )


def test_warmup_against_the_default_duration(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "warmup: 8h\n") == (
        "warmup: must be shorter than duration, got '8h' while duration is 8h (the default)"
    )


def test_misspelt_choice_suggests_the_nearest(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {profile: avrage}\n") == (
        "workload.profile: must be 'light', 'average', 'heavy' or 'very-heavy', got 'avrage' (did you mean 'average'?)"
    )


def test_union_mismatch_is_one_line(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {diurnal: busines-day}\n") == (
        "workload.diurnal: must be 'flat' or 'business-day' or a list, got 'busines-day' (did you mean 'business-day'?)"
    )


def test_union_reports_the_branch_that_fits_the_shape(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "workload: {diurnal: [1, 2, 3]}\n") == (
        "workload.diurnal: must have at least 24 items, got 3"
    )


def test_missing_required_key_says_what_it_is(tmp_path, capsys):
    text = MINIMAL + "faults: [{down_at: 1h}]\n"
    assert only_line(tmp_path, capsys, text) == (
        "faults[0].server: required key is missing: the Hub Transport server (or co-located Mailbox+Hub server)"
    )


def test_no_sites(tmp_path, capsys):
    assert only_line(tmp_path, capsys, "name: nothing\nsites: []\n") == "sites: must have at least 1 item, got 0"


def test_negative_hub_count(tmp_path, capsys):
    text = "sites:\n  - name: Seattle\n    hubs: -1\n"
    assert only_line(tmp_path, capsys, text) == (
        "sites[0].hubs: must be a list of servers or a count of zero or more, got -1"
    )


# ---- cross-references --------------------------------------------------------------------------


def test_duplicate_server_name(tmp_path, capsys):
    text = MINIMAL.replace("{name: SEA-MBX1, mailboxes: 100}", "{name: SEA-MBX1}, {name: sea-hub2}")
    assert only_line(tmp_path, capsys, text) == (
        "sites[0].mailbox_servers[1].name: duplicate server name 'sea-hub2' (also sites[0].hubs[1].name); "
        "server names must be unique in the organisation"
    )


def test_duplicate_server_name_across_sites_against_a_hub_count(tmp_path, capsys):
    text = """\
    sites:
      - name: Seattle
        hubs: 1
        mailbox_servers: [{name: SEA-MBX1}]
      - name: London
        hubs: [{name: Seattle-HUB1}]
    site_links: [{sites: [Seattle, London]}]
    """
    assert only_line(tmp_path, capsys, text) == (
        "sites[1].hubs[0].name: duplicate server name 'Seattle-HUB1' (also sites[0].hubs); "
        "server names must be unique in the organisation"
    )


def test_mailbox_site_without_hub(tmp_path, capsys):
    text = "sites:\n  - name: Seattle\n    mailbox_servers: [{name: SEA-MBX1}]\n"
    assert only_line(tmp_path, capsys, text) == (
        "sites[0]: site 'Seattle' has Mailbox servers but no Hub Transport server; Exchange 2007 needs a Hub in "
        "every site with a Mailbox server: add one under hubs or give a Mailbox server roles [mailbox, hub]"
    )


def test_colocated_hub_role_counts_as_the_site_hub_even_with_hubs_zero(tmp_path, capsys):
    path = write(
        tmp_path,
        """\
    sites:
      - name: Seattle
        hubs: 0
        mailbox_servers: [{name: SEA-MBX1, roles: [mailbox, hub]}]
    """,
    )
    code, out, lines = exsim(capsys, "validate", path)
    assert (code, lines) == (0, [])
    assert "SEA-MBX1" in out


def test_sites_without_names_are_not_duplicates_of_each_other(tmp_path, capsys):
    path, lines = validate_text(tmp_path, capsys, "sites:\n  - {hubs: 1}\n  - {hubs: 1}\n")
    assert [line.removeprefix(f"{path}: ") for line in lines] == [
        "sites[0].name: required key is missing: AD site name",
        "sites[1].name: required key is missing: AD site name",
    ]


def test_fault_naming_an_unknown_server(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "faults: [{server: SEA-HUB01, down_at: 1h}]\n") == (
        "faults[0].server: unknown Hub or Edge Transport server 'SEA-HUB01' (did you mean 'SEA-HUB1'?)"
    )


def test_fault_naming_a_mailbox_server(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL + "faults: [{server: SEA-MBX1, down_at: 1h}]\n") == (
        "faults[0].server: 'SEA-MBX1' is a Mailbox server without the Hub role; a fault stops the Transport "
        "service of a Hub or Edge Transport server (those servers: SEA-HUB1, SEA-HUB2)"
    )


def test_fault_up_before_down(tmp_path, capsys):
    text = MINIMAL + "faults: [{server: SEA-HUB1, down_at: 2h, up_at: 1h}]\n"
    assert (
        only_line(tmp_path, capsys, text)
        == "faults[0].up_at: must be later than down_at, got '1h' while down_at is '2h'"
    )


def test_fault_up_before_down_is_reported_beside_another_mistake_of_the_fault(tmp_path, capsys):
    # pydantic skips Fault's own validator once a field of it is wrong; sim.checks repeats it
    text = MINIMAL + "faults: [{server: SEA-HUB1, service: smtp, down_at: 2h, up_at: 1h}]\n"
    path, lines = validate_text(tmp_path, capsys, text)
    assert [line.removeprefix(f"{path}: ") for line in lines] == [
        "faults[0].service: must be 'transport', got 'smtp'",
        "faults[0].up_at: must be later than down_at, got '1h' while down_at is '2h'",
    ]


def test_fault_after_the_end_of_the_run(tmp_path, capsys):
    text = MINIMAL + "duration: 1h\nfaults: [{server: SEA-HUB1, down_at: 2h}]\n"
    assert only_line(tmp_path, capsys, text) == (
        "faults[0].down_at: the fault starts after the run ends; make down_at earlier than duration"
    )


def test_site_link_naming_an_unknown_site(tmp_path, capsys):
    text = TWO_SITES + "site_links: [{sites: [Seattle, Londn]}]\n"
    assert only_line(tmp_path, capsys, text) == (
        "site_links[0].sites[1]: unknown site 'Londn' (did you mean 'London'?)"
    )


def test_two_mail_sites_with_no_site_link_path(tmp_path, capsys):
    assert only_line(tmp_path, capsys, TWO_SITES) == (
        "site_links: no site link path between 'Seattle' and 'London'; add a site link joining them"
    )


# ---- every problem at once ---------------------------------------------------------------------

SEVERAL_MISTAKES = """\
name: Several mistakes
duration: 1h
warmup: 2h
sites:
  - name: Seattle
    hubs: [{name: SEA-HUB1, core: 4}, {name: SEA-HUB1, cores: four}]
    mailbox_servers: [{name: SEA-MBX1}]
  - name: London
    mailbox_servers: [{name: LON-MBX1}]
workload: {rate: -2/s}
faults: [{server: LON-HUB1, down_at: 10m}]
"""

SEVERAL_EXPECTED = [
    "warmup: must be shorter than duration, got '2h' while duration is '1h'",
    "sites[0].hubs[0].core: unknown key (did you mean 'cores'?)",
    "sites[0].hubs[1].cores: must be a whole number, got 'four'",
    "workload.rate: must be greater than 0, got '-2/s'",
    "sites[0].hubs[1].name: duplicate server name 'SEA-HUB1' (also sites[0].hubs[0].name); "
    "server names must be unique in the organisation",
    "sites[1]: site 'London' has Mailbox servers but no Hub Transport server; Exchange 2007 needs a Hub in every "
    "site with a Mailbox server: add one under hubs or give a Mailbox server roles [mailbox, hub]",
    "site_links: no site link path between 'Seattle' and 'London'; add a site link joining them",
    "faults[0].server: unknown Hub or Edge Transport server 'LON-HUB1' (did you mean 'SEA-HUB1'?)",
]


def test_all_problems_of_a_file_are_reported_at_once(tmp_path, capsys):
    path, lines = validate_text(tmp_path, capsys, SEVERAL_MISTAKES)
    assert len(lines) == len(SEVERAL_EXPECTED)
    assert sorted(line.removeprefix(f"{path}: ") for line in lines) == sorted(SEVERAL_EXPECTED)


def test_run_on_a_bad_file_exits_2(tmp_path, capsys):
    path = write(tmp_path, SEVERAL_MISTAKES)
    code, out, lines = exsim(capsys, "run", path, "--quiet")
    assert code == 2 and out == ""
    assert len(lines) == len(SEVERAL_EXPECTED)


# ---- --set ---------------------------------------------------------------------------------------


def test_set_unknown_site(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "sites.Paris.hubs=3") == (
        "--set sites.Paris.hubs: no item named 'Paris' (known: Seattle)"
    )


def test_set_misspelt_key(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "workload.rat=2/s") == (
        "--set workload.rat: no key 'rat' at workload (did you mean 'rate'?)"
    )


def test_set_index_out_of_range(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "sites[0].hubs[5].cores=8") == (
        "--set sites[0].hubs[5].cores: index 5 is out of range (the list has 2 items)"
    )


def test_set_below_a_plain_value(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "name.first=x") == (
        "--set name.first: name is a value, not a mapping; nothing lies under it"
    )


def test_set_value_that_is_not_yaml(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "workload.diurnal=[1, 2") == (
        "--set workload.diurnal: the value '[1, 2' is not valid YAML (expected ',' or ']', but got "
        "'<stream end>'); quote it, e.g. --set 'name=\"a: b\"'"
    )


def test_every_bad_set_is_reported_at_once(tmp_path, capsys):
    path, lines = validate_text(tmp_path, capsys, MINIMAL, "--set", "sites.Paris.hubs=3", "--set", "workload.rat=2/s")
    assert [line.removeprefix(f"{path}: ") for line in lines] == [
        "--set sites.Paris.hubs: no item named 'Paris' (known: Seattle)",
        "--set workload.rat: no key 'rat' at workload (did you mean 'rate'?)",
    ]


def test_set_value_is_checked_like_the_file(tmp_path, capsys):
    assert only_line(tmp_path, capsys, MINIMAL, "--set", "workload.rate=-1/min") == (
        "workload.rate: must be greater than 0, got '-1/min'"
    )


def test_set_without_equals_sign(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    code, out, lines = exsim(capsys, "validate", path, "--set", "workload.rate")
    assert code == 2 and out == ""
    assert lines == ["exsim: --set 'workload.rate': write it as PATH=VALUE, e.g. --set workload.profile=heavy"]


def test_set_on_a_valid_file_applies(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    code, out, lines = exsim(capsys, "validate", path, "--set", "sites.Seattle.hubs[1].cores=8", "--set", "name=2024")
    assert (code, lines) == (0, [])
    assert out.startswith("2024: valid")  # a text field keeps the text: not the number 2024
    assert "SEA-HUB2  (8 cores)" in out


# ---- a good file -------------------------------------------------------------------------------


def test_valid_minimal_scenario_prints_its_topology(tmp_path, capsys):
    path = write(tmp_path, MINIMAL)
    code, out, lines = exsim(capsys, "validate", path)
    assert (code, lines) == (0, [])
    assert out.splitlines()[:6] == [
        "Minimal: valid",
        "",
        "AD site Seattle",
        "  Hub Transport  SEA-HUB1  (4 cores)",
        "  Hub Transport  SEA-HUB2  (4 cores)",
        "  Mailbox        SEA-MBX1  (100 mailboxes)",
    ]


# ---- through a real process: exit status, and no traceback ---------------------------------------


def run_exsim(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *argv], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_process_missing_file(tmp_path):
    done = run_exsim(tmp_path, "validate", "missing.yaml")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "missing.yaml: no such file; give the path of a scenario YAML file, e.g. scenarios/quickstart.yaml"
    ]
    assert done.stdout == ""


def test_process_several_mistakes(tmp_path):
    write(tmp_path, SEVERAL_MISTAKES, name="several.yaml")
    done = run_exsim(tmp_path, "validate", "several.yaml")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert sorted(lines) == sorted(f"several.yaml: {message}" for message in SEVERAL_EXPECTED)


@pytest.mark.parametrize(
    "text, argv",
    [
        (MINIMAL, ["validate", "bad.yaml", "--set", "sites.Paris.hubs=3"]),
        (MINIMAL, ["validate", "bad.yaml", "--set", "name.x=[oops"]),
        ("name: demo\nduration: 8h\n  warmup: 30m\n", ["run", "bad.yaml", "--quiet"]),
        ("just some words\n", ["validate", "bad.yaml"]),
    ],
    ids=["set-unknown-site", "set-bad-yaml-value", "run-yaml-syntax", "not-a-mapping"],
)
def test_process_bad_input_never_shows_a_traceback(tmp_path, text, argv):
    write(tmp_path, text, name="bad.yaml")
    done = run_exsim(tmp_path, *argv)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("bad.yaml: ")


# ---- any damage to a good scenario gives located one-line problems, never a crash ------------------

GOOD = {
    "name": "fuzz",
    "duration": "2h",
    "sites": [
        {"name": "Seattle", "hubs": [{"name": "SEA-HUB1"}], "mailbox_servers": [{"name": "SEA-MBX1"}]},
        {"name": "London", "hubs": 1, "mailbox_servers": [{"name": "LON-MBX1", "roles": ["mailbox", "hub"]}]},
    ],
    "site_links": [{"sites": ["Seattle", "London"], "latency": "80ms"}],
    "faults": [{"server": "SEA-HUB1", "down_at": "1h", "up_at": "90m"}],
    "workload": {"rate": "1/s", "size": {"dist": "lognormal", "mean": "50KB", "cv": 1}},
}


def _key_paths(node, prefix=()):
    if prefix:
        yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _key_paths(value, (*prefix, key))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(),
    st.text(max_size=4),
    st.sampled_from(["-1s", "0/s", "Seattle", "SEA-HUB1", "hub", "10Mbps", "1e400s"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "hubs", "sites", "server", "x"]), inner, max_size=3)
    ),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(_key_paths(GOOD))), _VALUES), min_size=1, max_size=3))
def test_damaged_scenarios_give_located_problems(edits):
    raw = copy.deepcopy(GOOD)
    for path, value in edits:
        node = raw
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass  # an earlier edit replaced the container
    try:
        load_scenario(raw)
    except ScenarioError as error:
        assert error.problems
        for problem in error.problems:
            line = problem.render("f.yaml")
            assert "\n" not in line and line.startswith("f.yaml: ")
            assert "Input should" not in problem.message and "Value error" not in problem.message
            assert problem.path, "every problem of a mapping names its key path"
