"""A hostile client against `exsim smtpd` (issue 12, item 1): no traceback, one log line per failed session.

`exsim smtpd` runs as a real process on 127.0.0.1 and [::1] (ephemeral ports, stopped by the test) and
gets, in a bounded sequence: resets during the TLS handshake, TLS garbage, resets before and during
DATA and AUTH, junk and NUL bytes, a 1 MB line, a half-closed socket and 200 concurrent sessions.
Afterwards a normal session (STARTTLS, AUTH, a message) must succeed, stderr must hold no traceback,
and each failed session must have given exactly one log line. Every reply read on the wire equals
the session model's reply to the same line.
"""

from __future__ import annotations

import contextlib
import random
import re
import signal
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from test_smtp_syntax import model_session, read_reply
from test_smtpd import PASSWORD, SCENARIO

from sim.scenario.loading import load_scenario
from sim.smtp import SmtpDecisions

ROOT = Path(__file__).resolve().parents[1]


def reset(sock: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed or hostile client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.fixture
def smtpd(tmp_path):
    """`exsim smtpd` for HUB1 with 127.0.0.1:0 and [::1]:0 standing for port 587; yields (ports, process)."""
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(yaml.safe_dump(SCENARIO))
    command = [sys.executable, "-m", "sim", "smtpd", str(scenario_file), "--server", "HUB1"]
    command += ["--listen", "127.0.0.1:0", "--listen", "[::1]:0", "--port-map", "0=587", "--out", str(tmp_path / "o")]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        lines, deadline = [], time.monotonic() + 20
        while time.monotonic() < deadline and not any(line.startswith("Ctrl-C") for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        ports = [int(port) for port in re.findall(r"^\s+\S+:(\d+) stands for", "".join(lines), re.M)]
        assert len(ports) == 2, "".join(lines) + (process.stderr.read() if process.poll() is not None else "")
        yield ports, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(5)


def banner_and_starttls(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    replies = sock.makefile("rb")
    read_reply(replies)
    sock.sendall(b"EHLO hostile.test\r\n")
    read_reply(replies)
    sock.sendall(b"STARTTLS\r\n")
    assert read_reply(replies) == ["220 2.0.0 SMTP server ready"]
    return sock


def test_hostile_client_gets_model_replies_and_leaves_no_traceback(smtpd, tmp_path):
    (port, port6), process = smtpd
    decisions = SmtpDecisions(load_scenario(SCENARIO), "HUB1")
    failed = 0
    started = time.monotonic()

    # 10 resets in the middle of the TLS handshake, and one client sending TLS garbage
    for i in range(10):
        sock = banner_and_starttls(port)
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(i, i + 32)))
        reset(sock)
        failed += 1
    sock = banner_and_starttls(port)
    sock.sendall(random.Random(1).randbytes(4096))
    with contextlib.suppress(OSError):
        sock.recv(100)
    reset(sock)
    failed += 1

    # resets right after the banner, in the middle of AUTH and in the middle of DATA
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.recv(200)
    reset(sock)
    failed += 1
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"EHLO x.test\r\nAUTH LOGIN\r\n")
    time.sleep(0.05)
    reset(sock)
    failed += 1
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    replies = sock.makefile("rb")
    read_reply(replies)
    sock.sendall(b"EHLO x.test\r\nDATA\r\n")
    read_reply(replies), read_reply(replies)
    sock.sendall(b"Subject: half a message\r\n")
    reset(sock)
    failed += 1

    # junk, NUL bytes, non-UTF-8 and a 1 MB line: each gets the model's reply, and the session goes on
    junk = [b"\r\n", b"\x00" * 64 + b"\r\n", b"\xc3\x28\xa0\xa1 \xff\r\n", b"X" * 1_000_000 + b"\r\n"]
    rng = random.Random(12)
    junk += [rng.randbytes(rng.randrange(1, 300)).replace(b"\n", b"") + b"\r\n" for _ in range(20)]
    junk += [b"EHLO\r\n", b"MAIL\r\n", b"EHLO ok.test\r\n", b"MAIL FROM:\r\n", b"QUIT\r\n"]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, sock.makefile("rb") as replies:
        live = [read_reply(replies)]
        for line in junk:
            sock.sendall(line)
            live.append(read_reply(replies))
    assert live == model_session(decisions, junk, port=587)
    assert live[4] == ["500 5.5.2 Command too long"] and live[1] == ["500 5.3.3 Unrecognized command"]

    # a half-closed socket: the lines sent before the FIN are still answered, then the server closes
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"EHLO half.test\r\nNOOP\r\n")
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert data.endswith(b"250 2.0.0 OK\r\n"), data
    failed += 1  # it never said QUIT

    # 200 sessions open at once, on both address families, each EHLO and QUIT
    expected = model_session(decisions, [b"EHLO many.test\r\n", b"QUIT\r\n"], port=587)
    assert expected[2] == ["221 2.0.0 Service closing transmission channel"]
    socks = [
        socket.create_connection(("127.0.0.1" if i % 2 else "::1", port if i % 2 else port6), timeout=10)
        for i in range(200)
    ]
    try:
        for sock in socks:
            sock.sendall(b"EHLO many.test\r\nQUIT\r\n")
        for sock in socks:
            with sock.makefile("rb") as replies:
                assert [read_reply(replies) for _ in range(3)] == expected
    finally:
        for sock in socks:
            sock.close()

    # afterwards a normal session still works: STARTTLS verified against the throwaway CA, AUTH, a message
    context = ssl.create_default_context(cafile=str(tmp_path / "o" / "exsim-smtpd-ca.pem"))
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.starttls(context=context)
        client.login("alice", PASSWORD)
        client.sendmail("alice@contoso.com", ["user1@contoso.com"], b"Subject: after the storm\r\n\r\nStill here.\r\n")
    assert time.monotonic() - started < 30

    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "stopped; 1 message(s) written" in out
    assert "Traceback" not in err and 'File "' not in err, err
    log_lines = err.splitlines()
    assert all(line.startswith("exsim smtpd: ") for line in log_lines), err
    failures = [line for line in log_lines if "session from" in line]
    assert len(failures) == failed, err
    assert sum("TLS handshake failed" in line for line in failures) >= 10, err
