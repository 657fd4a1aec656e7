"""Centrale: open operator console for city control rooms."""

__version__ = "0.1.0"
