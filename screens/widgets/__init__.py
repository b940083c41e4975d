"""Widgets of the Kontokoll app."""
