"""Receive connectors as Exchange applies them: which connector answers a connection and what it grants
(`rules`), the servers that receive and their connectors with their defaults (`servers`), and what a
configuration risks (`warnings`)."""
