"""One object per Exchange server role: Mailbox (Mail Submission Service), Hub Transport, Edge Transport."""
