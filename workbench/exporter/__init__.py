"""The exporter face: `workbench export` serving the application layer's metric families as
OpenMetrics over HTTP with prometheus_client. Like cli/ and tui/ it decides nothing."""
