"""What a run produced, as plain data: tables, summaries, the tracking log, figures and text reports."""
