"""Message ids <-> protobuf classes, read from aioesphomeapi's generated ``api_pb2`` (pinned).

The id of each message is the ``(id)`` option on its descriptor, so the table is built from the
descriptors rather than typed out: ids have been stable from aioesphomeapi 29.x to 46.x, and a
message added later simply appears. ``decode`` returns None for an id the table does not know
(a newer client's message): the connection logs it and carries on, as ESPHome devices do.
"""

from __future__ import annotations

from typing import TypeAlias

from aioesphomeapi import api_options_pb2, api_pb2
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as _Message

from aria_wire.errors import ProtocolError

Message: TypeAlias = _Message

API_VERSION = (1, 10)
"""The API version the device reports: 1.10 is the first with ``voice_assistant_feature_flags``.

Reporting more would promise behaviour of later versions (entity ids without object_id from
1.14, a capabilities request from 1.15) that this device does not implement."""


def _build_tables() -> tuple[dict[int, type[Message]], dict[type[Message], int]]:
    by_id: dict[int, type[Message]] = {}
    id_option = api_options_pb2.id
    for name, descriptor in api_pb2.DESCRIPTOR.message_types_by_name.items():
        options = descriptor.GetOptions()
        if options.HasExtension(id_option):
            by_id[options.Extensions[id_option]] = getattr(api_pb2, name)
    return by_id, {cls: message_id for message_id, cls in by_id.items()}


BY_ID, ID_OF = _build_tables()


def message_id(message: Message) -> int:
    """The wire id of ``message`` (KeyError for a class without one: a bug)."""
    return ID_OF[type(message)]


def decode(message_type: int, payload: bytes) -> Message | None:
    """The message of ``payload``; None for an unknown id, ProtocolError for bad protobuf."""
    cls = BY_ID.get(message_type)
    if cls is None:
        return None
    message = cls()
    try:
        message.ParseFromString(payload)
    except DecodeError as err:
        raise ProtocolError(f"message {cls.__name__} does not parse: {err}", "bad-protobuf") from err
    return message


def encode(message: Message) -> tuple[int, bytes]:
    """``(id, protobuf bytes)`` of ``message``."""
    return message_id(message), message.SerializeToString()
