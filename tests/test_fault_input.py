"""Bad fault and timer input: one clear line naming the key path and the fix, exit status 2."""

from __future__ import annotations

import pytest
from test_bad_input import MINIMAL, only_line

import sim

CHAIN = """\
name: Chain
sites:
  - {name: A, hubs: 1, mailbox_servers: [{name: A-MBX1}]}
  - {name: B, hubs: 1}
  - {name: C, hubs: 1, mailbox_servers: [{name: C-MBX1}]}
site_links: [{sites: [A, B]}, {sites: [B, C]}]
"""


def test_the_flat_retry_interval_is_gone_with_the_fields_that_replace_it(tmp_path, capsys):
    line = only_line(tmp_path, capsys, MINIMAL + "transport: {retry_interval: 1m}\n")
    assert line.startswith("transport: retry_interval is gone")
    for field in ("queue_glitch_retry_interval", "transient_failure_retry_interval",
                  "outbound_connection_failure_retry_interval"):  # fmt: skip
        assert f"transport.{field}" in line


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("{kind: site_link, sites: [A, D], down_at: 1h}", "faults[0].sites[1]: unknown site 'D'"),
        ("{kind: site_link, sites: [A, C], down_at: 1h}", "faults[0].sites: no site link joins 'A' and 'C'"),
        ("{kind: send_connector, connector: Nope, down_at: 1h}", "faults[0].connector: unknown Send connector 'Nope'"),
        ("{kind: server, server: A-MBX2, down_at: 1h}", "faults[0].server: unknown server 'A-MBX2' (did you mean 'A-MBX1'?)"),
        ("{kind: transport, server: A-HUB1, down_at: 1h, every: 2h, for: 5m}", "faults[0]: give one schedule"),
        ("{kind: transport, server: A-HUB1, every: 1h, for: 2h}", "faults[0]: for must be shorter than every"),
        ("{kind: transport, server: A-HUB1, mtbf: 1h}", "faults[0]: a random fault needs both mtbf and mttr"),
        ("{kind: internet, down_at: 1h}", "faults[0].mode: required key is missing"),
        ("{kind: site_link, server: A-HUB1, sites: [A, B], down_at: 1h}", "faults[0]: a site_link fault takes sites, not server"),
    ],
)  # fmt: skip
def test_faults_that_name_what_does_not_exist_or_make_no_schedule(tmp_path, capsys, fault, expected):
    line = only_line(tmp_path, capsys, CHAIN + f"faults: [{fault}]\n")
    assert line.startswith(expected), line


HUB_COUNT = """\
name: Resized
sites:
  - name: A
    hubs: [{name: HUB1, cores: 2}]
    hub_count: HUBS
    mailbox_servers: [{name: MBX1, mailboxes: 100}]
workload: {rate: 1/s}
duration: 30m
"""


def test_a_fault_may_name_a_hub_that_hub_count_adds(tmp_path):
    """hub_count: 3 adds HUB2 and HUB3 (named on from HUB1): a fault may take HUB3 down, and mail fails over."""
    scenario = HUB_COUNT.replace("HUBS", "3") + "faults: [{server: HUB3, down_at: 10m, up_at: 20m}]\n"
    path = tmp_path / "resized.yaml"
    path.write_text(scenario)
    result = sim.run(str(path), seed=3)
    windows = result.fault_windows
    assert list(windows["target"]) == ["HUB3"]
    assert result.summary()["lost"] == 0
    down = result.messages[
        (result.messages["submitted_at"] > 10 * 60 + 1) & (result.messages["submitted_at"] < 20 * 60 - 1)
    ]
    assert len(down) > 0 and not down["path"].str.contains("HUB3").any()  # nothing submitted to HUB3 while down


def test_a_fault_on_a_hub_that_hub_count_removes_is_one_line(tmp_path, capsys):
    scenario = HUB_COUNT.replace("[{name: HUB1, cores: 2}]", "[{name: HUB1}, {name: HUB2}]").replace("HUBS", "1")
    line = only_line(tmp_path, capsys, scenario + "faults: [{server: HUB2, down_at: 10m}]\n")
    assert line.startswith("faults[0].server: unknown Hub or Edge Transport server 'HUB2'"), line
