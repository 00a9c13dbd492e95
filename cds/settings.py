"""Service settings, read from ``CDS_*`` environment variables (pydantic-settings).

Settings are built once at start-up and injected (``create_app(settings)``); nothing reads the
environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrustedClient(BaseModel):
    """An EHR allowed to call us (CDS Hooks 2.0 JWT bearer auth, l.944-1110)."""

    iss: str
    jwks: dict[str, Any] | None = None  # inline JWK Set: pinned, the only keys, never fetched
    jwks_url: str | None = None
    jku: list[str] = Field(default_factory=list)  # jku header values it sends (fetched if no jwks)
    tenant: str | None = None
    fhir_servers: list[str] = Field(default_factory=list)  # FHIR base URLs this client may name
    algorithms: list[str] = Field(default_factory=lambda: ["ES384", "RS384"])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CDS_", env_file=None, extra="ignore")

    # --- storage -------------------------------------------------------------------------
    database_url: str = "sqlite:///./var/cds.sqlite3"

    # --- security ------------------------------------------------------------------------
    auth: Literal["on", "off"] = "on"
    trusted_clients: list[TrustedClient] = Field(default_factory=list)
    fhir_allowlist: list[str] = Field(default_factory=list)  # FHIR base URLs when auth is off
    # The base URL EHRs call us at (with any path prefix a proxy strips): a token's `aud` must be
    # it plus the path called. Required with auth on; never derived from request headers.
    public_url: str | None = None
    accepted_base_urls: list[str] = Field(default_factory=list)  # other names we are called by
    forwarded_allow_ips: list[str] = Field(default_factory=list)  # proxies whose X-Forwarded-* hold
    jwt_leeway_seconds: int = 60
    jwt_max_lifetime_seconds: int = 3600
    jwks_cache_seconds: int = 300
    jwks_timeout_seconds: float = 2.0  # one JWKS fetch (no redirects, bounded body)
    jwks_refresh_min_seconds: int = 30  # unknown-kid refetches at most this often per URL
    cors_origins: list[str] = Field(default_factory=list)
    cors_allow_credentials: bool = False

    # --- limits --------------------------------------------------------------------------
    max_body_bytes: int = 5 * 1024 * 1024
    # Slow clients (cds.server, cds.middleware): an idle connection, a request head and a request
    # body each get this long; a reverse proxy in front enforces its own limits as well.
    keep_alive_seconds: int = Field(default=5, ge=1)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=20.0, gt=0)  # then 408
    max_prefetch_entries: int = 5000
    max_pages: int = 50  # searchset `next` pages followed per search (cds.queries.PAGE_SIZE each)
    fhir_timeout_seconds: float = 2.0  # per HTTP call to the EHR's FHIR server
    fetch_deadline_seconds: float = 4.0  # total time for all fallback fetches of one request
    # a resource dated later than now plus this (clocks differ) is skipped as future-dated
    clock_skew_seconds: int = Field(default=300, ge=0)

    # --- clinical options (see docs/clinical-basis.md) ---------------------------------------
    wells_version: Literal["2003", "1997"] = "2003"
    age_adjusted_ddimer: bool = False  # clinical-basis §1.3 item 7: a setting, off by default
    recent_symptom_days: int = 14  # window for "current" leg symptoms
    surgery_window_weeks: int = 12  # Wells 2003 / NG158 (S2); 1997 uses 4 weeks
    cancer_treatment_months: int = 6  # Wells "treatment within previous 6 months" (S2)
    episode_days: int = 14  # D-dimer older than this, or than the episode, does not count
    lab_recent_days: int = 30  # an electrolyte result older than this is not "recent"
    local_codes_file: Path | None = None  # a site's own codes (CSV, same columns as codelists)
    include_unverified_codes: bool = False
    # an optional FHIR terminology server asked about unknown SNOMED codes (cds/terminology.py)
    terminology_url: str | None = None
    terminology_timeout_seconds: float = Field(default=1.0, gt=0)  # all questions of one call

    # --- service -------------------------------------------------------------------------
    source_url: str = "https://www.nice.org.uk/guidance/ng158"
    log_level: str = "INFO"

    # --- SMART assessment app (cds/smart; README "SMART app and demo page") ------------------
    smart_client_id: str = "calf-triage-assessment"  # as registered at the EHR's auth server
    smart_redirect_uri: str | None = None  # default: <public_url or request base>/app/callback
    smart_launch_url: str | None = None  # in card links; default: <public_url>/app/launch
    smart_write_back: bool = False  # ask for patient/Observation.c and offer "Save to the record"
    smart_session_minutes: int = 30  # an app session (and its token) is forgotten after this
    smart_frame_ancestors: list[str] = Field(default_factory=list)  # EHR origins that may frame it
