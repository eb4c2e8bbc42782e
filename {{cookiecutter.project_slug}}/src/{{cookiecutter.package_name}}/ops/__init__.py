"""Operating the service: ``ops.load`` (concurrent load against a running server), ``ops.soak``
(start a server, hold load, record memory and latency drift) and ``ops.dashboard`` (record
/metrics and draw it; the Grafana board's panels)."""
