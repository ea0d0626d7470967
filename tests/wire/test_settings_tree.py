"""The shared settings tree's command line (``aria_wire/settings_tree.py``)."""

from __future__ import annotations

import argparse

from pydantic import BaseModel, Field

from aria_wire.settings_tree import add_options


class _Section(BaseModel):
    """A section."""

    share: int = Field(25, description="a share of the cores in % (25 % by default)")


class _Tree(BaseModel):
    section: _Section = Field(default_factory=_Section)


def test_a_description_with_a_percent_sign_is_shown_as_written() -> None:
    parser = argparse.ArgumentParser()
    add_options(parser, _Tree)
    assert "in % (25 % by default)" in parser.format_help()
