"""`waypoint`: one command line for every process and every operator task. `--help` is the manual."""

from __future__ import annotations

import click

from pipeline.observability import configure_logging
from pipeline.settings import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Waypoint: fulfillment visibility from one canonical event stream."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


def _register() -> None:
    from pipeline.cli import (
        api_command,
        db_commands,
        exception_commands,
        export_commands,
        ingest_commands,
        kpi_commands,
        order_command,
        pipeline_commands,
        quarantine_commands,
        registry_commands,
        run_command,
        simulate_commands,
    )

    cli.add_command(api_command.api)
    cli.add_command(db_commands.db)
    cli.add_command(registry_commands.registry)
    cli.add_command(run_command.run)
    cli.add_command(simulate_commands.simulate)
    cli.add_command(pipeline_commands.pipeline)
    cli.add_command(quarantine_commands.quarantine)
    cli.add_command(ingest_commands.ingest)
    cli.add_command(ingest_commands.normalize)
    cli.add_command(order_command.order)
    cli.add_command(export_commands.export)
    cli.add_command(kpi_commands.kpis)
    cli.add_command(exception_commands.exceptions)


_register()


if __name__ == "__main__":
    cli()
