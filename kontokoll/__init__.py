"""Kontokoll's entry points: the headless CLI and the launcher of the Textual app."""
