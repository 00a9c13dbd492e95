"""Reading a fixture bundle: its fixed "now", hook, description, patient and draft orders.

A fixture is a FHIR R4 ``Bundle`` of type ``collection`` (docs/fhir-conventions.md, "Fixture
bundles"). Everything ``cds-triage replay`` and the demo page need is read from it here, once,
and bad input becomes a ``ReplayInputError`` with a message a person can act on (never a
traceback). Nothing here searches the bundle: the replay's FHIR search emulation is
``cds.replay.fhir_query``, a tool the service does not import.

Dates: every date in a fixture is relative to ``Bundle.timestamp``. Replaying at another instant
(``--now``) shifts every date, dateTime and instant in the bundle by the same amount, so ages,
symptom windows and lab recency stay exactly as written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

HOOKS = ("patient-view", "order-select", "order-sign")
_SD = "https://calf-triage.example.org/fhir/StructureDefinition/"
DESCRIPTION_URL = _SD + "fixture-description"
HOOK_URL = _SD + "fixture-hook"
SELECTED_URL = _SD + "fixture-selected"
# Replay-only: a Settings override for this case ("CDS_WELLS_VERSION=1997"). The mapping layer
# never reads it; it lets one chart be replayed under a non-default clinical setting.
SETTING_URL = _SD + "fixture-setting"

# hookInstance of a replayed fixture: a uuid5 of its name and hook, so the card uuids derived from
# it, and so the golden files, are stable.
HOOK_INSTANCE_NAMESPACE = uuid.UUID("5b0c9e41-7d1f-5c6a-9a3e-0f1e2d3c4b5a")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_KEYS = frozenset(
    {"start", "end", "issued", "timestamp", "date", "lastUpdated", "recorded", "occurrence"}
)
_DATE_SUFFIXES = ("DateTime", "Date", "Instant", "On")


class ReplayInputError(ValueError):
    """A fixture (or option) the replay cannot use; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    path: Path | None
    bundle: dict[str, Any]
    now: datetime
    hook: str
    description: str
    patient_id: str
    encounter_id: str | None
    user_id: str
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def hook_instance(self) -> str:
        return str(uuid.uuid5(HOOK_INSTANCE_NAMESPACE, f"{self.name}/{self.hook}"))

    @property
    def resources(self) -> list[dict[str, Any]]:
        """Every resource in the bundle, draft orders included."""
        return [e["resource"] for e in self.bundle.get("entry", []) if _is_resource(e)]

    @property
    def record(self) -> list[dict[str, Any]]:
        """What the EHR's FHIR server holds: everything but the draft orders."""
        return [r for r in self.resources if r.get("status") != "draft"]

    @property
    def draft_orders(self) -> list[dict[str, Any]]:
        return [r for r in self.resources if r.get("status") == "draft"]

    @property
    def selections(self) -> list[str]:
        """Selected drafts (``fixture-selected``), or all drafts when none is marked."""
        drafts = self.draft_orders
        marked = [r for r in drafts if _flag(r.get("meta", {}), SELECTED_URL)]
        return [f"{r['resourceType']}/{r['id']}" for r in (marked or drafts)]


def load_fixture(path: Path, *, hook: str | None = None, now: datetime | None = None) -> Fixture:
    """Read and check one bundle file; ``hook`` / ``now`` override what the bundle says."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReplayInputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ReplayInputError(f"{path}: not valid JSON ({exc})") from None
    return fixture_from_json(data, name=case_name(path), path=path, hook=hook, now=now)


def case_name(path: Path) -> str:
    return path.name.removesuffix(".json")


def fixture_from_json(
    data: object,
    *,
    name: str,
    path: Path | None = None,
    hook: str | None = None,
    now: datetime | None = None,
) -> Fixture:
    where = str(path) if path else name
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise ReplayInputError(f"{where}: not a FHIR Bundle (resourceType is {kind!r})")
    bundle: dict[str, Any] = data
    meta_value = bundle.get("meta")
    meta: dict[str, Any] = meta_value if isinstance(meta_value, dict) else {}
    chosen = hook or _extension(meta, HOOK_URL, "valueCode") or "patient-view"
    if chosen not in HOOKS:
        raise ReplayInputError(f"{where}: unknown hook {chosen!r} (use one of {', '.join(HOOKS)})")
    written = _parse_instant(bundle.get("timestamp"))
    if written is None:
        if now is None:
            raise ReplayInputError(f"{where}: Bundle.timestamp (the case's 'now') is missing")
        written = now
    if now is not None and now != written:
        bundle = shift_dates(bundle, now - written)
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ReplayInputError(f"{where}: Bundle.entry must be a list of entries")
    patients = [e["resource"] for e in entries if _is_resource(e, "Patient")]
    if not patients:
        raise ReplayInputError(f"{where}: the Bundle has no Patient resource")
    if len(patients) > 1 or not isinstance(patients[0].get("id"), str):
        raise ReplayInputError(f"{where}: expected exactly one Patient with an id")
    if chosen != "patient-view" and not any(
        _is_resource(e) and e["resource"].get("status") == "draft" for e in entries
    ):
        raise ReplayInputError(
            f"{where}: hook {chosen} needs draft orders (entries with status 'draft')"
        )
    encounters = [e["resource"] for e in entries if _is_resource(e, "Encounter")]
    practitioners = [e["resource"] for e in entries if _is_resource(e, "Practitioner")]
    user = f"Practitioner/{practitioners[0]['id']}" if practitioners else "Practitioner/replay"
    return Fixture(
        name=name,
        path=path,
        bundle=bundle,
        now=now or written,
        hook=chosen,
        description=_extension(meta, DESCRIPTION_URL, "valueString") or "",
        patient_id=patients[0]["id"],
        encounter_id=encounters[0].get("id") if encounters else None,
        user_id=user,
        settings=_settings(meta),
    )


def shift_dates(value: Any, delta: timedelta, key: str = "") -> Any:
    """A copy of ``value`` with every full date / dateTime / instant moved by ``delta``."""
    if isinstance(value, dict):
        return {k: shift_dates(v, delta, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_dates(v, delta, key) for v in value]
    if isinstance(value, str) and (key in _DATE_KEYS or key.endswith(_DATE_SUFFIXES)):
        if _DATETIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return _format_like(moment + delta, value)
        if _DATE.match(value):
            days = round(delta / timedelta(days=1))
            return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


def parse_now(text: str) -> datetime:
    """``--now``: an ISO 8601 instant; a value without an offset is taken as UTC."""
    moment = _parse_instant(text)
    if moment is None:
        raise ReplayInputError(f"--now: {text!r} is not an ISO 8601 date-time")
    return moment


def _parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _format_like(moment: datetime, original: str) -> str:
    text = moment.isoformat()
    if original.endswith("Z"):
        text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text


def _is_resource(entry: object, kind: str | None = None) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        return False
    return kind is None or entry["resource"].get("resourceType") == kind


def _extension(meta: Mapping[str, Any], url: str, key: str) -> str | None:
    for ext in meta.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == url and isinstance(ext.get(key), str):
            return str(ext[key])
    return None


def _flag(meta: object, url: str) -> bool:
    if not isinstance(meta, dict):
        return False
    return any(
        isinstance(ext, dict) and ext.get("url") == url and ext.get("valueBoolean") is True
        for ext in meta.get("extension", []) or []
    )


def _settings(meta: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for ext in meta.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == SETTING_URL:
            key, sep, value = str(ext.get("valueString", "")).partition("=")
            if sep and key.startswith("CDS_"):
                found[key.removeprefix("CDS_").lower()] = value
    return found
