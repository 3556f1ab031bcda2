"""`exsim trace` tells one message's journey with the routing decisions behind it."""

from __future__ import annotations

import re

import pytest

from sim.cli import main


def test_trace_across_a_hub_site_names_the_path_and_the_round_robin(root, capsys):
    scenario = str(root / "scenarios" / "three-sites-hub-site.yaml")
    code = main(["trace", scenario, "--set", "duration=10m", "--set", "warmup=0", "--message", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Message 1 from ")
    assert "Mail Submission Service hands it to" in out
    assert "Submission queue and Categorizer" in out
    assert "Outcome:" in out and "delivered to" in out


def test_trace_explains_a_cross_site_relay(root, capsys):
    scenario = str(root / "scenarios" / "three-sites-hub-site.yaml")
    for message in range(1, 40):
        main(["trace", scenario, "--set", "duration=5m", "--set", "warmup=0", "--message", str(message)])
        out = capsys.readouterr().out
        if "SmtpRelayToRemoteAdSite" in out:
            break
    else:
        pytest.fail("no cross-site message among the first 39")
    assert re.search(r"least-cost path \w+(>\w+)+, cost \d+", out)
    assert "stops at hub site Denver" in out
    assert re.search(r"target Hub (DEN|LON|SEA)-HUB\d by round robin", out)


def test_trace_of_an_unknown_message_is_a_clear_error(root, capsys):
    code = main(
        [
            "trace",
            str(root / "scenarios" / "quickstart.yaml"),
            "--set",
            "duration=1m",
            "--set",
            "warmup=0",
            "--message",
            "999999",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--message 999999: no message 999999 in this run" in err


def test_trace_of_a_run_without_hops_says_to_record_them(root):
    import sim
    from sim.results.results import NotRecorded
    from sim.results.trace import trace

    result = sim.run(root / "scenarios" / "quickstart.yaml", overrides={"duration": "2m", "warmup": "0"})
    assert result.scenario.record == "messages" and len(result.messages)
    with pytest.raises(NotRecorded, match=r"`record: hops`"):
        trace(result, 1)
