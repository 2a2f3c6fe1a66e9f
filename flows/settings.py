"""The one settings object: paths, limits and schedule shared by the CLI and the deployment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """Where reports come from, where the warehouse lives, and how runs behave."""

    raw_dir: Path = Path("raw")
    warehouse: Path = Path("warehouse/esg.duckdb")
    max_bytes: int = 64 * 1024 * 1024  # larger files are rejected with a reason, not loaded
    cron: str = "0 * * * *"
    batch_size: int = 25  # documents per Prefect task: task runs cost tens of ms each

    @property
    def exports_dir(self) -> Path:
        return self.warehouse.parent / "exports"

    @classmethod
    def from_env(cls) -> "Settings":
        """Defaults, overridden by ESG_RAW_DIR / ESG_WAREHOUSE / ESG_MAX_BYTES / ESG_CRON."""
        base = cls()
        return cls(
            raw_dir=Path(os.environ.get("ESG_RAW_DIR", base.raw_dir)),
            warehouse=Path(os.environ.get("ESG_WAREHOUSE", base.warehouse)),
            max_bytes=int(os.environ.get("ESG_MAX_BYTES", base.max_bytes)),
            cron=os.environ.get("ESG_CRON", base.cron),
        )
