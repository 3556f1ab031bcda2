"""The SMTP front door of a modelled server: one decision code path for the session model, `exsim audit`
and a live SMTP endpoint. See `sim.smtp.session`."""

from .replies import Reply
from .session import BackPressure, SessionState, SmtpDecisions
from .transcript import Transcript, session

__all__ = ["BackPressure", "Reply", "SessionState", "SmtpDecisions", "Transcript", "session"]
