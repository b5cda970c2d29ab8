"""Customer notifications: the outbox (written with its cause), plain-language templates as data, quiet
hours in the customer's zone, and the senders (SMTP email, an SMS provider's HTTP API)."""
