"""The conversation stage's responders, asked in order until one answers (see ``agent.py``)."""
