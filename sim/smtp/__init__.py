"""The SMTP front door of a modelled server: one decision code path for the session model, `exsim audit`
and a live SMTP endpoint. See `sim.smtp.session`."""

from .conversation import Conversation
from .protocol_log_writer import ProtocolLogWriter
from .replies import Reply
from .session import BackPressure, SessionState, SmtpDecisions
from .transcript import Transcript, session

__all__ = [
    "BackPressure",
    "Conversation",
    "ProtocolLogWriter",
    "Reply",
    "SessionState",
    "SmtpDecisions",
    "Transcript",
    "session",
]
