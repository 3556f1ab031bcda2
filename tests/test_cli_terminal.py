"""A friendlier `exsim run` (issue 10): Ctrl-C keeps what finished, a progress bar on terminals, a size guard."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time

import pytest
from conftest import one_site

import sim
from sim.capacity import estimate
from sim.cli import main

EXSIM = [sys.executable, "-m", "sim"]


def test_ctrl_c_stops_with_one_line_exit_130_and_a_partial_summary(root, tmp_path):
    out = tmp_path / "out"
    long_run = ["--set", "duration=1000h", "--set", "record=summary", "--set", "tracking_log=false"]
    child = subprocess.Popen([*EXSIM, "run", str(root / "scenarios" / "quickstart.yaml"), *long_run, "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)  # fmt: skip
    try:
        estimate_line = child.stderr.readline()  # printed once Ctrl-C is handled, just before the run
        assert "messages" in estimate_line and "Ctrl-C" in estimate_line
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("exsim: interrupted at "), stderr
    assert "%|" not in estimate_line + stderr  # no progress bar into a pipe
    assert "PARTIAL" in stdout.splitlines()[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"] is True
    assert 0 < summary["simulated_s"] < 1000 * 3600  # stopped well before the end
    assert summary["messages_generated"] > 0 and summary["lost"] == 0  # what finished balances
    assert (out / "queues.csv").exists()


def test_progress_bar_shows_simulated_clock_and_messages_per_second_on_a_terminal(root):
    master, terminal = pty.openpty()  # a terminal that reports no size, as some CI terminals do
    child = subprocess.Popen([*EXSIM, "run", str(root / "scenarios" / "quickstart.yaml"), "--set", "duration=15h",
                              "--set", "record=summary", "--set", "tracking_log=false"],
                             stdout=subprocess.DEVNULL, stderr=terminal, stdin=subprocess.DEVNULL, cwd=root)  # fmt: skip
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert child.wait(timeout=60) == 0
    text = seen.decode(errors="replace")
    assert "simulated" in text and "msg/s" in text and "%|" in text, text[:500]


def test_size_guard_refuses_a_trillion_mailboxes_with_exit_2(tmp_path, capsys):
    huge = one_site(duration="1h")
    huge.pop("workload")  # the average profile: 10 messages a mailbox a day
    huge["sites"][0]["mailbox_servers"][0]["mailboxes"] = 10**12
    path = tmp_path / "huge.yaml"
    path.write_text(json.dumps(huge))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    # 1e12 mailboxes x 10 a day x the business-day weight of 00:00-01:00: billions of messages
    assert "messages" in lines[0] and "GB of memory" in lines[0] and "--force" in lines[0]


def test_size_guard_refuses_100000_hours_and_force_goes_on(tmp_path, capsys, monkeypatch):
    path = tmp_path / "long.yaml"
    path.write_text(json.dumps(one_site(duration="100000h", rate="2/s")))
    assert main(["run", str(path), "--quiet"]) == 2
    # one Mailbox server at 2/s for 3.6e8 s: 720 million messages
    assert "about 720,000,000 messages" in capsys.readouterr().err
    monkeypatch.setattr(estimate, "available_memory", lambda: 1.0)  # a machine with no memory to spare
    small = tmp_path / "small.yaml"
    small.write_text(json.dumps(one_site(duration="1m", rate="1/s")))
    assert main(["run", str(small), "--quiet"]) == 2
    capsys.readouterr()
    assert main(["run", str(small), "--quiet", "--force"]) == 0


@pytest.mark.parametrize("name, overrides", [
    ("quickstart.yaml", {"duration": "3h"}),
    ("connectors-and-relay.yaml", {}),
    ("edge-internet.yaml", {"duration": "1h"}),
])  # fmt: skip
def test_message_estimate_is_the_poisson_mean(root, name, overrides):
    scenario = sim.load_scenario(root / "scenarios" / name, {**overrides, "record": "summary", "tracking_log": False})
    expected = estimate.expected_messages(scenario)
    generated = sim.run(scenario).summary()["messages_generated"]
    # a Poisson count has standard deviation sqrt(mean): 5 standard deviations either side
    assert abs(generated - expected) < 5 * expected**0.5, (generated, expected)


def test_watching_a_run_changes_nothing_and_stopping_it_keeps_what_finished():
    scenario = one_site(duration="20m", rate="3/s", record="summary")
    plain = sim.run(scenario).summary()
    calls = []
    watched = sim.run(scenario, watch=lambda now, messages: calls.append((now, messages)) and False)
    assert watched.summary() == plain and len(calls) >= 1000
    assert calls[-1][0] == 1200 and calls[-1][1] == plain["messages_generated"]
    stopped = sim.run(scenario, watch=lambda now, messages: now >= 300)
    summary = stopped.summary()
    assert stopped.partial and summary["partial"] is True
    assert summary["simulated_s"] == pytest.approx(300, abs=1.3) and summary["lost"] == 0
    assert 0 < summary["messages_generated"] < plain["messages_generated"]
