"""Generated tracking logs for the calibrate tests and benchmark: many lines, written fast.

One day of mail is built once as text, then copied to each day with its dates and message-ids changed
(so every message-id is unique), one folder per server as Exchange keeps them.
"""

from __future__ import annotations

from pathlib import Path

FIELDS = ("date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,"
          "event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,"
          "recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,"
          "message-info")  # fmt: skip
HEADER = ("\ufeff#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6\r\n#Log-type: Message Tracking Log\r\n"
          "#Date: {day}T00:00:00.000Z\r\n#Fields: " + FIELDS + "\r\n")  # fmt: skip
LINES_PER_MESSAGE = 3  # SUBMIT on the Mailbox server, RECEIVE and DELIVER on the Hub


def _day(messages: int) -> tuple[str, str]:
    """(Mailbox server text, Hub text) of one day, date 2026-01-01, message-ids <N@d0.contoso.com>."""
    mailbox, hub = [], []
    for i in range(messages):
        s = i * 86400 // messages
        stamp = f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{i % 1000:03d}Z"
        later = f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{(i % 1000 + 1) % 1000:03d}Z"
        mid = f"<{i:07d}@d0.contoso.com>"
        to = f"user{(i * 7919) % 20000}@contoso.com;user{(i * 104729) % 20000}@contoso.com"
        size = 1000 + (i * 7717) % 90000
        mailbox.append(f"{stamp},,,10.0.0.3,HUB1,,,STOREDRIVER,SUBMIT,{i},{mid},{to},,{size},2,,,"
                       f"Message {i},user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
        hub.append(f"{stamp},10.0.0.5,MBX1,,,,,STOREDRIVER,RECEIVE,{i},{mid},{to},,{size},2,,,Message {i},"
                   f"user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
        hub.append(f"{later},,,10.0.0.5,MBX1,,,STOREDRIVER,DELIVER,{i},{mid},{to},,{size},2,,,Message {i},"
                   f"user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
    return "".join(mailbox), "".join(hub)


def write_days(folder: Path, lines: int, days: int = 30) -> int:
    """Write about `lines` event lines over `days` days (MBX1 and HUB1); returns the lines written."""
    per_day = lines // (days * LINES_PER_MESSAGE)
    mailbox, hub = _day(per_day)
    for server in ("MBX1", "HUB1"):
        (folder / server).mkdir(parents=True, exist_ok=True)
    for d in range(days):
        day = f"2026-01-{d + 1:02d}"
        for server, prefix, text in (("MBX1", "MSGTRKM", mailbox), ("HUB1", "MSGTRK", hub)):
            body = text.replace("2026-01-01T", f"{day}T").replace("@d0.", f"@d{d}.")
            path = folder / server / f"{prefix}{day.replace('-', '')}-1.LOG"
            path.write_text(HEADER.format(day=day) + body, encoding="utf-8", newline="")
    return per_day * LINES_PER_MESSAGE * days
