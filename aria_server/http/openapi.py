"""The OpenAPI 3.1 description, generated from the route table and the pydantic models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import __version__
from .api_route import Route
from .ws_messages import ClientMessage

_REF = "#/components/schemas/{model}"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "dotted setting path -> what is wrong with it (settings validation)",
                },
            },
        }
    },
}

WS_DESCRIPTION = (
    "JSON text frames are WsClientMessage (client to server) and WsServerMessage (server to client); "
    "binary frames carry 16-bit little-endian mono PCM: microphone audio at 16 kHz in 512-sample frames "
    "from the client, and the reply between the audio 'start' (which announces its rate) and 'end' messages "
    "from the server. See aria_server/http/ws_messages.py."
)

WS_SERVER_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["type", "data", "metadata"],
    "properties": {
        "type": {"enum": ["status", "transcript", "response", "audio"]},
        "data": {
            "type": "string",
            "description": "status: idle|listening|thinking|speaking|error; transcript/response: text; audio: start|end",
        },
        "metadata": {
            "type": "object",
            "description": "turnId, final, model, processingTime (ms), timeline (ms per landmark), error {code, message}, "
            "rate/width/channels/encoding (audio start), conversationId and inputFormat (first status)",
        },
    },
}

_ERRORS = {
    "400": "bad JSON or a wrong type",
    "401": "the API token is missing or wrong",
    "403": "origin or host not allowed",
    "413": "body too large",
    "415": "body is not application/json",
    "422": "a setting failed validation",
}


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}}}
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": f"{route.method.lower()}{route.path.replace('/', '_').replace('{', '').replace('}', '')}",
        "responses": {"200": {"description": "success", "content": {"application/json": {}}}},
    }
    if route.path == "/ws":
        operation["responses"] = {"101": {"description": "switching to the WebSocket protocol"}}
        operation["description"] = WS_DESCRIPTION
        operation["parameters"] = [
            {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "the API token (browsers cannot set headers on a WebSocket)"},
            {"name": "conversation", "in": "query", "required": False,
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "description": "continue this conversation"},
        ]
        schemas["WsClientMessage"] = ClientMessage.model_json_schema(ref_template=_REF)
        schemas["WsServerMessage"] = WS_SERVER_MESSAGE
    if route.body is not None:
        schema = route.body.model_json_schema(ref_template=_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[route.body.__name__] = schema
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=route.body.__name__)}}},
        }
    for status, description in _ERRORS.items():
        operation["responses"][status] = {"description": description, **error}
    return operation


def build_spec(routes: Sequence[Route]) -> dict[str, Any]:
    """The whole description; every route answers errors as the ``Error`` schema."""
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Aria HTTP API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
    }
