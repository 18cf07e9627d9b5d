"""Meta-tests: every CLI command is documented, and the README keeps its two commands on top."""

from __future__ import annotations

from pathlib import Path

import click

from opendata.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "README.md", ROOT / "docs" / "operations.md"


def commands(group: click.Group, prefix: str = "opendata") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append(path)
        if isinstance(command, click.Group):
            found += commands(command, path)
    return found


def test_every_cli_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    missing = [c for c in commands(main) if c not in text]
    assert not missing, (
        f"undocumented commands (add them to README.md or docs/operations.md): {missing}"
    )


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("## What you get")]
    assert "make run" in head and "make test" in head
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun: install" in makefile and "\ntest: install" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
