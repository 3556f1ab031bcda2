"""The scenario layer: what a scenario file may say, read and checked, with every default in one place."""
