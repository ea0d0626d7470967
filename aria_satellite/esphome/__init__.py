"""The satellite's ESPHome native API server: Home Assistant drives the satellite as a voice device.

    framing.py    plaintext frames (0x00, varint length, varint type, protobuf bytes)
    noise.py      the encrypted transport (Noise_NNpsk0_25519_ChaChaPoly_SHA256, device = responder)
    messages.py   message id <-> class, from aioesphomeapi's generated ``api_pb2``
    connection.py one client: transport negotiation, then a dispatch table of requests
    server.py     the listening socket, the clients, and what the device says about itself
    voice.py      Home Assistant's side of a turn, announcements, timers (translated to the satellite)
    playback.py   replies, announcements and media played one at a time, each reported finished once
    tts.py        fetching a TTS/media URL as PCM (a WAV stream over HTTP)
    entities.py   the media player entity
    identity.py   the stable MAC-like device id kept in the data directory
    discovery.py  mDNS ``_esphomelib._tcp`` with the TXT records Home Assistant needs
    keys.py       the encryption key (base64, 32 bytes) from the command line or an owner-only file
    service.py    the parts composed around a running satellite (what ``app.serve`` starts and stops)

Which controller (Aria's server over Wyoming, or Home Assistant here) owns the microphone and the
speaker at a time is decided in ``aria_satellite.controllers``.
"""
