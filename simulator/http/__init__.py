"""The HTTP APIs of the simulated source systems, one router per system (assembled by simulator.http_api)."""
