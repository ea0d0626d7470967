"""Satellites seen from the server: discovery, links, per-satellite sessions and the manager."""
