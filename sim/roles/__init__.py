"""One object per Exchange server role: Mailbox (Mail Submission Service) and Hub Transport."""
