"""The data formats everything downstream reads: the run's record and its tables, the Exchange logs.

One home for the contracts between the layers: what the model hands to the results (`record`, and the
declaration of every table's columns), what Get-Queue's replay hands over (`queue_state`), and the files an
administrator knows (message tracking logs, SMTP protocol logs), written and read, with the text encoders
they share (`csvtext`, `isotext`, `columns`, `clock`). It imports only `exchange` and `scenario`, so the model,
the results, calibrate and the SMTP layer all read the same declarations.
"""
