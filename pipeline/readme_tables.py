"""The README's generated tables (settings, event taxonomy), so the manual cannot drift from the code.

`python -m pipeline.readme_tables` rewrites the blocks between their markers in README.md; a test fails
when the README differs from what this renders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.taxonomy import Stage, latest_definitions

README = PROJECT_ROOT / "README.md"


def settings_table() -> str:
    rows = ["| Variable | Default | What it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        alias = (
            field.validation_alias if isinstance(field.validation_alias, str) else f"WAYPOINT_{name.upper()}"
        )
        default = ".data (in the project)" if name == "data_dir" else field.default
        shown = "unset" if default is None else f"`{default}`"
        rows.append(f"| `{alias}` | {shown} | {field.description} |")
    return "\n".join(rows)


def taxonomy_table() -> str:
    definitions = latest_definitions()
    rows = [
        "| Stage | Event type | Severity | Customer-facing text | Internal text |",
        "|---|---|---|---|---|",
    ]
    for stage in Stage:
        for name in sorted(n for n, d in definitions.items() if d.stage is stage):
            d = definitions[name]
            rows.append(f"| {stage} | `{name}` | {d.severity} | {d.customer_text} | {d.internal_text} |")
    return "\n".join(rows)


def kpi_definitions() -> str:
    from pipeline.kpis import definitions

    return definitions.__doc__.split("\n", 1)[1].strip()


def pages_table() -> str:
    from dashboard.roles import page_catalog
    from db.models.access import ROLES

    rows = ["| Page | Section | Who may open it | Script |", "|---|---|---|---|"]
    for page in page_catalog().pages.values():
        script = f"`{page.script}`" if page.script else "planned"
        roles = ", ".join(role for role in ROLES if role in page.roles)
        rows.append(f"| {page.title} | {page.section} | {roles} | {script} |")
    return "\n".join(rows)


BLOCKS = {
    "settings": settings_table,
    "taxonomy": taxonomy_table,
    "kpi_definitions": kpi_definitions,
    "pages": pages_table,
}


def render(text: str) -> str:
    for name, build in BLOCKS.items():
        pattern = re.compile(rf"<!-- {name}:start -->\n.*?<!-- {name}:end -->", re.S)
        block = f"<!-- {name}:start -->\n{build()}\n<!-- {name}:end -->"
        text = pattern.sub(lambda _, block=block: block, text)
    return text


def main(path: Path = README) -> None:
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else README)
