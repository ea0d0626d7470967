"""The streaming voice pipeline and its small pure helpers."""
