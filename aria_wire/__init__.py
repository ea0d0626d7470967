"""The Wyoming wire that the server and the satellite share.

audio      PCM formats, conversion to 16 kHz mono, loudness
errors     the wire's typed exceptions (stable codes)
framing    reading frames with size limits (a guarded ``read_event``)
reconnect  the one reconnect loop with backoff
state_machine  states, a table of allowed moves, typed state data, listeners (both programs' machines)
wake       wake word models and the threshold/refractory gate
zeroconf   advertising a Wyoming service on the local network
"""
