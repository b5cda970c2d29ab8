"""The one KPI module: the definitions (definitions.py, the text the README copies), each order's facts
computed from its events (facts.py, facts_sql.py, calendar.py), the daily rollups the pipeline keeps
from them (rollups.py), and the reads the KPI Trends page and `waypoint kpis` share (queries.py,
report.py, figures.py, with targets and baselines from targets.py)."""

from pipeline.kpis.definitions import KPI_KEYS, KPIS, KpiDefinition, format_value, kpi
from pipeline.kpis.queries import KpiScope
from pipeline.kpis.report import KpiReport, kpi_report
from pipeline.kpis.rollups import RefreshReport, rebuild_kpi_rollups, refresh_kpi_rollups, refresh_rollups

__all__ = [
    "KPIS",
    "KPI_KEYS",
    "KpiDefinition",
    "KpiReport",
    "KpiScope",
    "RefreshReport",
    "format_value",
    "kpi",
    "kpi_report",
    "rebuild_kpi_rollups",
    "refresh_kpi_rollups",
    "refresh_rollups",
]
