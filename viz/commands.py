"""CLI commands for the interactive views (``alskg viz``)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
