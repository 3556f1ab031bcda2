"""Exchange 2007's rules as plain functions and small classes: routing, connectors, domains, limits. No SimPy."""
