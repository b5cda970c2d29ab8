"""The API service (FastAPI): carrier webhooks, health and metrics; see api/app.py."""
