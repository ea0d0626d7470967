"""The HTTP face: REST API, the ``/ws`` WebSocket and the dashboard, on one aiohttp application."""
