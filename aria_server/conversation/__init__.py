"""Conversation: local intents, then the language model, with persistent history."""

from __future__ import annotations

from .agent import Agent
from .base import ConversationAgent
from .factory import create_agent

__all__ = ["Agent", "ConversationAgent", "create_agent"]
