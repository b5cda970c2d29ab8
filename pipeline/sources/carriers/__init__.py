"""Carrier adapters, one module per feed format, each the same three parts: a code table (JSON beside
the module), pure parsers for the webhook body and the tracking API answer (scan_events shares the
rest), and a transport module describing the tracking API requests that carrier_polling sends."""
