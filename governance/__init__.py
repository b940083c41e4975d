"""Kontokoll's headless core: domain model, store, register services and platform clients.

Nothing in this package imports Textual; the CLI and the TUI are thin layers over it.
"""
