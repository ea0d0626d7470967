"""Aria: a local voice assistant server speaking the Wyoming protocol."""

__version__ = "0.1.0"
