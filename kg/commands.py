"""CLI commands for asking the graph (path, show, neighbors, query, rank, communities, chains)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
