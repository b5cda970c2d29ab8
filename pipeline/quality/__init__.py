"""Data quality and pipeline health (issue #7).

- gate.py: between normalize and load, in the drain's transaction: invalid timestamps corrected or held
  for quarantine (timestamps.py), inferred events retired when the observed one arrives (inference.py).
- backfill.py: lifecycle gaps of active orders (gaps.py) asked of their source again (refetch.py), then
  filled with inferred events.
- sku_master.py, sku_cleansing.py: the SKU master in kilograms and centimetres, unit errors corrected,
  duplicate variants flagged; `sku_cleansed` is what everything else reads.
- health.py, health_job.py: per source freshness, missing events, ingest latency, quarantine and duplicate
  rates against thresholds; a breach raises a PIPELINE_HEALTH exception.
- report.py: `waypoint dq report`, counts per rule and source with examples.

Rules and thresholds are data: timestamps.json, gaps.json, sku_master.json, health.json (rulebook.py).
"""
