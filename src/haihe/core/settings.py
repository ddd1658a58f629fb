"""One typed settings class, read from HAIHE_* environment variables (or a .env file)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting Haihe reads. Each field is documented in README.md (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="HAIHE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///haihe.db"
    """SQLAlchemy URL; SQLite file in the working directory by default."""

    default_language: str = "zh"
    """Language of pages when the visitor has not chosen one: zh or en."""

    page_size: int = 50
    """Rows per page in lists (web and API)."""

    home_provinces: str = "110000,120000,130000"
    """Provinces whose regions win when a bare name such as 朝阳 is ambiguous."""

    stall_days: str = ""
    """Days a project may stay at a stage before it counts as stalled, over the defaults:
    e.g. 'signed=180,construction_started=365,under_construction=730,in_operation=540'."""

    joint_chain_editors: str = "province"
    """Who edits the chains the provinces draw jointly (group "shared"), besides
    administrators: 'province' (officers of a whole province) or 'admin' (nobody else)."""

    chain_thresholds: str = ""
    """Diagnosis thresholds over the defaults, e.g. 'strong_at=1.0,strong_min_orgs=3,
    min_orgs=1,lead_share=0.4,min_side=2' (see chains/diagnosis.py for each)."""

    max_upload_mb: int = 20
    """Largest file an upload may be (an import, an attachment, a chain file), in MB."""

    data_dir: str = ""
    """The instance's own private folder (uploads, error reports): by default a folder
    `haihe-data` beside the SQLite database file, else in the working directory."""

    import_max_rows: int = 1_000_000
    """Most data rows an import file may hold (a larger one is refused, not read)."""

    import_max_columns: int = 200
    """Most columns an import sheet may have (a larger one is refused, not read)."""

    trusted_proxies: str = ""
    """Reverse proxies whose X-Forwarded-For/-Proto `haihe serve` believes (comma-separated
    addresses or networks); none by default: the connecting address is the client's."""

    figures_min_projects: int = 3
    """Private sums in figures are shown only over at least this many projects that the
    reader may not see privately (small-cell suppression)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
