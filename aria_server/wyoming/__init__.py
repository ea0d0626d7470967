"""The Wyoming face: server, guarded framing, event handler, zeroconf."""
