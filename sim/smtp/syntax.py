"""The SMTP grammar of the session model: command lines, paths and parameters, EHLO domains, addresses.

Whatever a client sends, as bytes, becomes either a `Command` (verb and argument) or the model's reply
for a line that is no command; the live endpoint and the played transcripts both go through here, so a
syntax error gets the same reply on the wire as in the model. Replies are Exchange's (sim.smtp.replies).

Decisions where DOMAIN.md is silent (each UNCONFIRMED for Exchange 2007):
- A command line is at most MAX_LINE octets with its CRLF (RFC 5321 4.5.3.1.6's text line, which also
  holds MAIL's extension parameters); a longer one gets 500 5.5.2 Command too long and is skipped whole.
- An empty line, a verb that is not ASCII letters, or a verb the server does not know: 500 5.3.3
  Unrecognized command (VRFY and EXPN included: they are not in Exchange's HELP list).
- A syntax error is answered before the command's sequence is checked (MAIL with no FROM: before
  EHLO gets 501 5.5.4, not 503).
- MAIL/RCPT without FROM:/TO:: 501 5.5.4 Invalid arguments; with nothing after it: 501 5.1.7 (MAIL) or
  501 5.1.3 (RCPT) Invalid address; the null sender is written '<>'. Parameters: SIZE (digits), BODY
  (7BIT, 8BITMIME, BINARYMIME), RET, ENVID, AUTH on MAIL; NOTIFY, ORCPT on RCPT; any other is 501 5.5.4
  Unrecognized parameter.
- EHLO/HELO need a domain (501 5.0.0 ... requires domain address): a host name of letters, digits,
  hyphens and underscores in dot-separated labels, or an address literal in brackets; anything else is
  501 5.5.4 Invalid domain name.
- Addresses are US-ASCII without SMTPUTF8 (which the model does not advertise).
- In the AUTH dialogue, '*' cancels (501 5.5.4 Authentication cancelled, SmtpResponse); an answer that
  is not base64, or an AUTH PLAIN value that is not three NUL-separated parts, is 501 5.5.4 Invalid
  arguments.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from .replies import (
    AUTH_CANCELLED,
    COMMAND_TOO_LONG,
    EHLO_DOMAIN_REQUIRED,
    HELO_DOMAIN_REQUIRED,
    INVALID_ADDRESS,
    INVALID_ARGUMENTS,
    INVALID_DOMAIN,
    INVALID_SENDER,
    UNRECOGNIZED,
    UNRECOGNIZED_PARAMETER,
    UNSUPPORTED_BODY,
    Reply,
)

MAX_LINE = 1000
"""Octets of a command line with its CRLF (see the module's Decision)."""

VERBS = ("HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "HELP")
"""The verbs the modelled server knows (Exchange's HELP list, plus NOOP)."""

BASIC_MECHANISMS = ("LOGIN", "PLAIN")
INTEGRATED_MECHANISMS = ("NTLM", "GSSAPI")
EXCHANGE_MECHANISMS = ("EXCHANGE", "X-EXPS")

MAIL_PARAMETERS = ("SIZE", "BODY", "RET", "ENVID", "AUTH")
RCPT_PARAMETERS = ("NOTIFY", "ORCPT")
BODY_TYPES = ("7BIT", "8BITMIME", "BINARYMIME")

_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class Command:
    """One command line: the verb in upper case, the rest of the line (stripped), and the line as text."""

    verb: str
    arg: str
    line: str


def parse_line(raw: bytes) -> Command | Reply:
    """A raw line (with or without its CRLF; at most MAX_LINE + 1 bytes are needed to know it is too long)
    as a Command, or the reply to a line that is none."""
    if len(raw) > MAX_LINE or (len(raw) == MAX_LINE and not raw.endswith(b"\n")):
        return COMMAND_TOO_LONG
    line = raw.rstrip(b"\r\n")
    verb_bytes, _, arg_bytes = line.strip(b" ").partition(b" ")
    if not verb_bytes or not verb_bytes.isalpha() or not verb_bytes.isascii():
        return UNRECOGNIZED
    verb = verb_bytes.decode("ascii").upper()
    text = line.decode("utf-8", "replace")
    if verb not in VERBS:
        return UNRECOGNIZED
    return Command(verb, arg_bytes.decode("utf-8", "replace").strip(), text)


def hello_domain_refusal(verb: str, domain: str) -> Reply | None:
    """None when `domain` may follow EHLO/HELO; else the refusal (501 5.0.0 or 501 5.5.4)."""
    text = domain.strip()
    if not text:
        return EHLO_DOMAIN_REQUIRED if verb == "EHLO" else HELO_DOMAIN_REQUIRED
    if text.startswith("[") and text.endswith("]") and len(text) > 2 and text.isascii() and " " not in text:
        return None
    labels = text.rstrip(".").split(".")
    if " " in text or not all(_LABEL.match(label) for label in labels):
        return INVALID_DOMAIN
    return None


def split_address(address: str) -> tuple[str, str] | None:
    """(local part, domain in lower case) of 'user@domain' or '<user@domain>'; ('', '') for the null
    sender '<>'; None when it is not an address (an empty string is none: the null sender has brackets)."""
    text = address.strip()
    if text == "<>":
        return "", ""
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or " " in text or not text.isascii() or not text.isprintable():
        return None
    if any(c in text for c in "<>"):
        return None
    return local, domain.lower()


def path_and_parameters(arg: str, keyword: str) -> tuple[str, dict[str, str]] | Reply:
    """Split 'FROM:<a@b> SIZE=123' (keyword 'FROM:') or 'TO:<c@d> NOTIFY=NEVER' (keyword 'TO:') into the
    path as written and its parameters by upper-case name; or the model's reply to a malformed one."""
    mail = keyword == "FROM:"
    text = arg.strip()
    if not text.upper().startswith(keyword):
        return INVALID_ARGUMENTS
    text = text[len(keyword) :].strip()
    if not text:
        return INVALID_SENDER if mail else INVALID_ADDRESS
    if text.startswith("<"):
        end = text.find(">")
        if end < 0:
            return INVALID_SENDER if mail else INVALID_ADDRESS
        path, rest = text[: end + 1], text[end + 1 :]
    else:
        path, _, rest = text.partition(" ")
    parameters: dict[str, str] = {}
    allowed = MAIL_PARAMETERS if mail else RCPT_PARAMETERS
    for item in rest.split():
        name, _, value = item.partition("=")
        name = name.upper()
        if name not in allowed:
            return UNRECOGNIZED_PARAMETER
        if name == "SIZE" and not value.isdigit():
            return INVALID_ARGUMENTS
        if name == "BODY" and value.upper() not in BODY_TYPES:
            return UNSUPPORTED_BODY
        parameters[name] = value
    return path, parameters


def bdat_arguments(arg: str) -> tuple[int, bool] | Reply:
    """'1000' or '1000 LAST' -> (1000, last); anything else is 501 5.5.4 Invalid arguments (RFC 3030)."""
    parts = arg.split()
    if not parts or len(parts) > 2 or not parts[0].isdigit():
        return INVALID_ARGUMENTS
    if len(parts) == 2 and parts[1].upper() != "LAST":
        return INVALID_ARGUMENTS
    return int(parts[0]), len(parts) == 2


def mask_auth_line(line: str) -> str:
    """An AUTH line as the protocol log shows it: the mechanism, never a credential blob."""
    parts = line.split()
    shown = " ".join(parts[:2])
    return shown + (" <authentication information>" if len(parts) > 2 else "")


def decode_auth_blob(text: str) -> bytes | Reply:
    """A base64 answer of the AUTH dialogue decoded, or the reply: '*' cancels; not base64 is invalid."""
    blob = text.strip()
    if blob == "*":
        return AUTH_CANCELLED
    try:
        return base64.b64decode(blob.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return INVALID_ARGUMENTS


def plain_credentials(blob: bytes) -> tuple[str, str] | Reply:
    """(user, password) of an AUTH PLAIN value 'authzid NUL user NUL password', or 501 5.5.4."""
    parts = blob.split(b"\x00")
    if len(parts) != 3:
        return INVALID_ARGUMENTS
    return parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")
