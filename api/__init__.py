"""caremap's HTTP API (FastAPI)."""
