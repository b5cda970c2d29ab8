"""The README is the manual: every setting and every command is in it, and `make run`/`make test` lead."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from pipeline.cli.main import cli
from pipeline.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    return alias if isinstance(alias, str) else f"WAYPOINT_{field_name.upper()}"


@pytest.mark.parametrize("field_name", sorted(Settings.model_fields))
def test_every_setting_is_documented_with_its_default(field_name: str) -> None:
    assert f"`{_env_name(field_name)}`" in README, f"{_env_name(field_name)} is not documented in README.md"


def _commands(group: click.Group, prefix: str = "waypoint") -> list[str]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("command", _commands(cli))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README, f"`{command}` is not documented in README.md"


def test_the_two_commands_come_first() -> None:
    first_screen = README[:1500]
    assert "make run" in first_screen and "make test" in first_screen


def test_the_generated_tables_in_the_readme_are_current() -> None:
    from pipeline.readme_tables import render

    assert render(README) == README, "run `python -m pipeline.readme_tables` to refresh README.md"
