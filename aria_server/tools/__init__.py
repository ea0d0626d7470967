"""Tools the language model can call: the typed layer (``base``), the set of providers one turn
sees (``toolbox``), Home Assistant's MCP tools (``home_mcp``) and the ``call_service`` escape hatch."""
