"""`waypoint`: one command line for every process and every operator task. `--help` is the manual.

Commands are imported when they are run, not when the CLI starts: a pipeline worker or the API does not pay
for importing the labor forecaster or the schema tooling it never uses.
"""

from __future__ import annotations

import importlib

import click

from pipeline.observability import configure_logging
from pipeline.settings import get_settings

# Command name → "module:attribute" of its click command or group, in `--help` order.
COMMANDS = {
    "run": "pipeline.cli.run_command:run",
    "db": "pipeline.cli.db_commands:db",
    "simulate": "pipeline.cli.simulate_commands:simulate",
    "pipeline": "pipeline.cli.pipeline_commands:pipeline",
    "api": "pipeline.cli.api_command:api",
    "registry": "pipeline.cli.registry_commands:registry",
    "quarantine": "pipeline.cli.quarantine_commands:quarantine",
    "ingest": "pipeline.cli.ingest_commands:ingest",
    "normalize": "pipeline.cli.ingest_commands:normalize",
    "order": "pipeline.cli.order_command:order",
    "export": "pipeline.cli.export_commands:export",
    "kpis": "pipeline.cli.kpi_commands:kpis",
    "exceptions": "pipeline.cli.exception_commands:exceptions",
    "eta": "pipeline.cli.eta_commands:eta",
    "labor": "pipeline.cli.labor_commands:labor",
    "dq": "pipeline.cli.dq_commands:dq",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def cli() -> None:
    """Waypoint: fulfillment visibility from one canonical event stream."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


if __name__ == "__main__":
    cli()
