"""`exsim smtpd` prints a swaks line that works (issue 22.5): one the model has played and accepted, or why there
is none; and the printed line, run as it is, gets 250 from the live endpoint."""

from __future__ import annotations

import contextlib
import re
import shlex
import signal
import subprocess
import sys

import pytest
from conftest import ROOT
from smtp_helpers import startup_text

from sim.scenario.loading import load_scenario
from sim.smtp.hints import swaks_hint
from sim.smtp.session import SmtpDecisions


class Listener:
    def __init__(self, text: str, modelled_port: int) -> None:
        self.text, self.modelled_port = text, modelled_port


def _hint(name: str, server: str) -> list[str]:
    decisions = SmtpDecisions(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), server)
    return swaks_hint(decisions, [Listener("127.0.0.1:2525", 25), Listener("127.0.0.1:2587", 587)], "127.0.0.1")


def test_the_hint_is_one_the_model_accepts_or_says_why_there_is_none():
    relay = _hint("connectors-and-relay", "HUB1")  # its Default connector wants authentication; alice may
    assert relay == ["  try: swaks --server 127.0.0.1:2525 --tls --auth LOGIN --auth-user alice --auth-password "
                     "'P@ssw0rd-rehearsal' --from alice@contoso.com --to user0@contoso.com"]  # fmt: skip
    edge = _hint("edge-internet", "EDGE1")  # an Edge takes anonymous Internet mail for the organisation
    assert edge == ["  try: swaks --server 127.0.0.1:2525 --from someone@example.org --to user0@contoso.com"]
    quick = _hint("quickstart", "SEA-HUB1")  # no accounts: no line that would only meet 530
    assert "530 5.7.1 Client was not authenticated" in quick[0] and "smtp_users" in quick[1]
    assert not any("try: swaks" in line for line in quick)


def test_the_printed_hint_works_against_the_live_endpoint(tmp_path, swaks_tls):
    command = [sys.executable, "-m", "sim", "smtpd", str(ROOT / "scenarios" / "connectors-and-relay.yaml"),
               "--server", "HUB1", "--listen", "127.0.0.1:0", "--port-map", "0=25", "--out", str(tmp_path / "out")]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT)  # fmt: skip
    try:
        text = startup_text(process)
        hint = re.search(r"^  try: (swaks .+)$", text, flags=re.M)
        assert hint, text
        port = re.search(r"127\.0\.0\.1:(\d+) stands for", text).group(1)
        args = shlex.split(hint.group(1).replace("127.0.0.1:0", f"127.0.0.1:{port}"))
        done = subprocess.run([*args, "--timeout", "5"], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0 and "250 2.6.0" in done.stdout, done.stdout[-2000:]
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(5)
    assert "stopped; 1 message(s) written" in out


@pytest.mark.parametrize("name, server", [("partner-tls-and-appliance", "HUB1"), ("two-sites", "SEA-HUB1")])
def test_every_hint_printed_is_accepted_by_the_model(name, server):
    lines = _hint(name, server)
    assert lines and (lines[0].startswith("  try: swaks") or "the model answers" in lines[0])
