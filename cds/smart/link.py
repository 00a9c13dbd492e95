"""The card link that opens the assessment app, and the ``appContext`` it carries.

CDS Hooks 2.0 ``Link`` of type ``smart``: the EHR launches the app at ``url`` and hands it
``appContext`` (spec l.700-720). Ours names the card (its topic code), the scored leg and the
Wells criteria that are undocumented, so the app opens on the right question; the app still
re-reads the chart itself (the context may be stale by the time someone clicks).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cards.models import Link
from cds.settings import Settings

if TYPE_CHECKING:
    from cds.triage.wells_pe import WellsPe
    from cds.triage.wells_result import WellsResult

# The DVT examination items the app asks; they also decide the Wells PE item "clinical signs of
# DVT" (leg swelling with tenderness along the deep veins).
EXAM_KEYS = ("deep_vein_tenderness", "entire_leg_swollen", "calf_swelling", "pitting_oedema")

LINK_LABEL = "Assess the undocumented Wells criteria"
MAX_CONTEXT_CHARS = 1000  # appContext is passed through the EHR and the token response


@dataclass(frozen=True, slots=True)
class AppContext:
    card: str | None = None  # the card's topic code, e.g. "dvt-ddimer"
    leg: str | None = None  # "left" | "right" | None when laterality is not documented
    undocumented: tuple[str, ...] = ()  # Wells criterion keys (cds.triage.wells.LABELS)


def assessment_link(
    launch_url: str | None,
    *,
    card: str,
    leg: str | None,
    undocumented: Sequence[str],
) -> Link | None:
    """The ``smart`` link for a card whose decision depends on ``undocumented`` criteria.

    None when no launch URL is configured (``CDS_SMART_LAUNCH_URL`` / ``CDS_PUBLIC_URL``) or when
    nothing is undocumented: a link that can only repeat the card is noise.
    """
    if not launch_url or not undocumented:
        return None
    context = {"card": card, "leg": leg, "undocumented": list(undocumented)}
    return Link(
        label=LINK_LABEL,
        url=launch_url,
        type="smart",
        appContext=json.dumps(context, separators=(",", ":")),
    )


def launch_url(settings: Settings) -> str | None:
    """The link target: ``CDS_SMART_LAUNCH_URL``, else ``CDS_PUBLIC_URL`` + ``/app/launch``."""
    if settings.smart_launch_url:
        return settings.smart_launch_url
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/app/launch"
    return None


def wells_links(settings: Settings, card: str, wells: WellsResult | None) -> list[Link]:
    """The assessment link for a card whose Wells decision undocumented criteria could change.

    That is a Wells range straddling the threshold (``unknown_could_change``), or a "likely"
    that a recorded but unasserted alternative diagnosis would turn into "unlikely"
    (``alternative_flips``). The clinician's alternative-diagnosis judgement is asked whenever
    no asserted diagnosis already counts. A card already decided gets no link.
    """
    if wells is None or not (wells.unknown_could_change or wells.alternative_flips):
        return []
    undocumented = [criterion.key for criterion in wells.unknown]
    if not wells.alternative_applied:
        undocumented.append("alternative_diagnosis")
    leg = wells.leg.value if wells.leg is not None else None
    link = assessment_link(
        launch_url(settings),
        card=card,
        leg=leg if leg in ("left", "right") else None,
        undocumented=undocumented,
    )
    return [link] if link is not None else []


def wells_pe_links(
    settings: Settings, card: str, pe: WellsPe, dvt: WellsResult | None
) -> list[Link]:
    """The assessment link for a PE card whose Wells PE range straddles the threshold while
    "clinical signs of DVT" is undocumented: the examination the app asks can move the range
    (the "PE most likely" judgement stays with the clinician, as the card says)."""
    if pe.decision != "undetermined" or "dvt_signs" not in {item.key for item in pe.unknown}:
        return []
    unknown = {criterion.key for criterion in dvt.unknown} if dvt is not None else set(EXAM_KEYS)
    leg = dvt.leg.value if dvt is not None and dvt.leg is not None else None
    link = assessment_link(
        launch_url(settings),
        card=card,
        leg=leg if leg in ("left", "right") else None,
        undocumented=[key for key in EXAM_KEYS if key in unknown],
    )
    return [link] if link is not None else []


def read_app_context(text: object) -> AppContext:
    """Parse our own ``appContext``; anything else (absent, foreign, malformed) gives an empty
    context, never an error: the app works from the chart either way."""
    if not isinstance(text, str) or len(text) > MAX_CONTEXT_CHARS:
        return AppContext()
    try:
        data = json.loads(text)
    except ValueError:
        return AppContext()
    if not isinstance(data, dict):
        return AppContext()
    card, leg, keys = data.get("card"), data.get("leg"), data.get("undocumented")
    return AppContext(
        card=card if isinstance(card, str) else None,
        leg=leg if leg in ("left", "right") else None,
        undocumented=tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else (),
    )
