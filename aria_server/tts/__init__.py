"""Text-to-speech: engines behind one streaming service, with an optional fallback chain."""
