"""Data health: each source's freshness, ingest latency, quarantine and duplicate rates and orders waiting
on its next event, against their thresholds, with a history chart per source; and what the quality checks
found and did. Layout only: data from dashboard.queries.data_health, the chart from
dashboard.data_health_charts."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.data_health_charts import source_history_chart
from dashboard.database import DatabaseNotConfigured
from dashboard.queries import data_health as data
from dashboard.session import require_page, viewer_zone

user = require_page("data_health")

st.title("Data health")
st.caption(
    "Per source, measured every minute by the pipeline worker: time since the last payload against the "
    "rate expected for this hour, ingest latency (received to visible), quarantine and duplicate rates, and "
    "orders waiting on the source's next event. A breach opens a Pipeline health exception in the queue."
)

try:
    health = data.data_health()
except (DatabaseNotConfigured, SQLAlchemyError) as error:
    st.error(f"Data health cannot be read right now: {error.__class__.__name__}. Try again in a minute; "
             "if it persists, check that Waypoint's database is running.", icon=":material/error:")  # fmt: skip
    st.stop()

latest = health.latest
if latest.is_empty():
    st.info(
        "No health measurements yet. The pipeline worker samples every source each minute once it runs "
        "(or run `waypoint dq health`).",
        icon=":material/hourglass_empty:",
    )
else:
    breaching = latest.filter(latest["status"] == "breach")
    healthy, breach, exceptions = st.columns(3)
    healthy.metric("Sources healthy", f"{latest.height - breaching.height} of {latest.height}", border=True)
    breach.metric("Sources in breach", f"{breaching.height}", border=True)
    exceptions.metric("Open pipeline-health exceptions", f"{health.open_exceptions}", border=True)
    for summary in breaching["summary"]:
        st.error(summary, icon=":material/sensors_off:")
    st.subheader("By source, latest measurement")
    st.dataframe(data.status_table(latest), hide_index=True, height="content")
    st.subheader(f"History, last {data.HISTORY_HOURS} hours")
    sources = latest["source"].to_list()
    source = st.selectbox("Source", sources, key="data_health_source")
    st.plotly_chart(
        source_history_chart(health.samples, source, viewer_zone()), config={"displayModeBar": False}
    )

st.subheader("What the quality checks found")
findings = data.findings_table(health.report)
if findings.is_empty():
    st.caption("No invalid timestamps, lifecycle gaps or SKU master problems found yet.")
else:
    st.dataframe(findings, hide_index=True, height="content")
sku = health.report.sku_master
if sku.get("skus"):
    issues = (
        ", ".join(f"{name.replace('_', ' ')}: {count:,}" for name, count in sku["issues"].items()) or "none"
    )
    st.caption(f"SKU master: {sku['skus']:,} SKUs cleansed to kilograms and centimetres; issues: {issues}.")
