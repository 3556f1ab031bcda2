"""Helpers the SMTP tests share: how smtplib sees a reply, a protocol log read back, anonymous relay on a connector.

They answer questions only the tests ask, so they live here rather than in sim/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sim.exchange.receive.rules import ANONYMOUS, Identity, resolve_rights
from sim.formats.protocol_log import read_events
from sim.scenario.receive import ACCEPT_ANY_RECIPIENT, ReceiveConnector
from sim.smtp.replies import Reply


def smtplib_view(reply: Reply) -> tuple[int, bytes]:
    """What Python's smtplib returns for this reply: (code, lines joined by newlines, without codes)."""
    first = f"{reply.enhanced} {reply.text}".strip()
    return reply.code, "\n".join([first, *reply.lines]).encode()


def anonymous_relay_granted(connector: ReceiveConnector) -> bool:
    """True when the connector grants Accept-Any-Recipient to unauthenticated clients: explicitly to
    ANONYMOUS LOGON, or through ExternalAuthoritative (every connecting host counts as an Exchange server)."""
    if "ExternalAuthoritative" in connector.effective_auth:
        return ACCEPT_ANY_RECIPIENT in resolve_rights(connector, Identity("externally_secured"))
    return ACCEPT_ANY_RECIPIENT in resolve_rights(connector, ANONYMOUS)


def read_protocol_log(path: str | Path) -> Iterator[dict[str, str]]:
    """The events of a protocol log file as dicts keyed by FIELDS (sim.formats.protocol_log.read_events: the `#`
    header lines skipped, with or without a byte order mark)."""
    return read_events(path)


BANNER_DATE = re.compile(r"^(220 \S+ Microsoft ESMTP MAIL Service ready at )"
                         r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$")  # fmt: skip


def undated(line: str) -> str:
    """A reply line with the 220 banner's RFC 2822 date cut off (a live banner and the model's are made a moment
    apart); other lines as they are."""
    return BANNER_DATE.sub(r"\1<date>", line)


def startup_text(process, seconds: float = 20.0) -> str:
    """What a started `exsim smtpd` prints up to its "Ctrl-C stops" line (or until it exits or `seconds` pass)."""
    import time

    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C stops"):
            break
    return "".join(lines)
