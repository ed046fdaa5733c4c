"""Running it for real: JSON logs with request/task ids, Prometheus counters (docs/operations.md)."""
