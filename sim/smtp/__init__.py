"""The SMTP front door of a modelled server: one decision code path for the session model, `exsim audit`
and a live SMTP endpoint. See `sim.smtp.session`."""

from .session import (
    BackPressure,
    Reply,
    SessionState,
    SmtpDecisions,
    Transcript,
    session,
)

__all__ = ["BackPressure", "Reply", "SessionState", "SmtpDecisions", "Transcript", "session"]
