"""/ws messages with odd but valid JSON are a bad-json error, not a crash of the session
(issue 13, item 8). The parser alone: the socket path is in test_ws.py."""

from __future__ import annotations

import pytest

from aria_server.errors import ProtocolError
from aria_server.http.ws_messages import parse_client_message


@pytest.mark.parametrize(
    "raw",
    ['{"type": "text", "data": "hi", "timestamp": ' + "[" * 30_000 + "]" * 30_000 + "}",
     '{"type": "text", "data": "hi", "timestamp": 1' + "0" * 5000 + "}",
     '{"type": "text", "data": "hi", "timestamp": NaN}'],
    ids=["nested-30000-deep", "5000-digit-integer", "nan"],
)
def test_odd_json_is_bad_json(raw: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    assert caught.value.code == "bad-json"
