"""The README's promises stay true: its commands exist and CI runs the test command it gives."""

from __future__ import annotations

import re

from helpers import REPO
from kg.cli import cli

README = (REPO / "README.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    assert "bash .ci/run" in README
    assert "`python -P -m pytest -q`" in README
    assert CI.rstrip().splitlines()[-1] == "python -P -m pytest -q"


def test_main_job_command_is_given():
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/alskg build" in README


def test_every_alskg_command_the_readme_mentions_exists():
    blocks = "\n".join(re.findall(r"```(?:sh|text)\n(.*?)```", README, flags=re.S))
    inline = "\n".join(re.findall(r"`(alskg [^`]+)`", README))
    mentioned = set(re.findall(r"(?m)(?:^|\$ |\| )alskg ([a-z]+)", blocks + "\n" + inline))
    assert mentioned, "no alskg commands found in the README"
    unknown = mentioned - set(cli.commands)
    assert not unknown, f"README mentions commands that do not exist: {unknown}"
