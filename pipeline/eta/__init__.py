"""Delivery estimates per shipment (issue #6 §3): the lane model, its service-level fallback, carrier
dates and delays, kept current by the worker and scored by `waypoint eta backtest`.

For other parts of Waypoint:
- `recompute_eta(conn, shipment_id, now) -> ShipmentEta`: estimate one shipment again and store it, in the
  caller's transaction (the carrier-delay playbook); str() of the result is the estimate in words.
- `current_etas(conn, order_id) -> list[ShipmentEta]`: one estimate per shipment of an order (the tracking
  API and the order timeline).
- `refresh_etas(engine)`: the worker's scheduled job.
"""

from pipeline.eta.current import SOURCE_LABELS, ShipmentEta, current_etas
from pipeline.eta.jobs import refresh_etas
from pipeline.eta.recompute import recompute_eta

__all__ = ["SOURCE_LABELS", "ShipmentEta", "current_etas", "recompute_eta", "refresh_etas"]
