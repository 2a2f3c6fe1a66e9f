"""esg-pipeline: ESG report text in, a DuckDB warehouse of figures with lineage out."""

import os

# Quiet, private defaults for every entry point (CLI, tests, deployments), set before Prefect
# is imported anywhere. Users can still override each one in their environment.
_PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",  # Prefect SDK telemetry off
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # ephemeral server telemetry off
    "PREFECT_LOGGING_LEVEL": "WARNING",  # no per-task INFO lines in a normal run
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "DASK_LOGGING__DISTRIBUTED": "warning",  # no INFO lines from a local Dask cluster starting/stopping
}
USER_SET_ENV = frozenset(k for k in _PREFECT_DEFAULTS if k in os.environ)
for _key, _value in _PREFECT_DEFAULTS.items():
    os.environ.setdefault(_key, _value)

__version__ = "0.1.0"
