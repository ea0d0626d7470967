"""Conversation: local intents, then the language model, with persistent history."""
