"""The NICE NG158 next steps on the DVT card (docs/clinical-basis.md §1.3), from where the
patient stands on the pathway: the scan or the D-dimer, what a D-dimer already on record means,
and what anticoagulation changes. A helper of the `dvt-pathway` rule (``rules/dvt_pathway``).
"""

from __future__ import annotations

from typing import Final

from cds.triage.ddimer import DDimerAssessment
from cds.triage.features_view import feature_evidence
from cds.triage.pathway import DvtStatus
from cds.triage.thresholds import (
    DDIMER_WITHIN_HOURS,
    REPEAT_SCAN_DAYS,
    SCAN_DEFERRED_WITHIN_HOURS,
    SCAN_WITHIN_HOURS,
    WELLS_LIKELY_MIN,
)
from fhir_mappings.features import FeatureName, FeatureSet

# The Wells bands as the steps and the rule's summaries word them.
LIKELY_BAND: Final = f"≥ {WELLS_LIKELY_MIN}"
UNLIKELY_BAND: Final = f"≤ {WELLS_LIKELY_MIN - 1}"
# The NG158 scan once a D-dimer is positive or Wells is likely.
SCAN_STEP: Final = (
    f"proximal leg vein ultrasound with the result within {SCAN_WITHIN_HOURS} h "
    f"(or interim anticoagulation and a scan within {SCAN_DEFERRED_WITHIN_HOURS} h)"
)
SCAN_FIRST: Final = f"{SCAN_STEP[:1].upper()}{SCAN_STEP[1:]}"
REPEAT_SCAN: Final = f"repeat the scan {REPEAT_SCAN_DAYS[0]}–{REPEAT_SCAN_DAYS[1]} days later"
SAFETY_NET: Final = "DVT unlikely; consider other causes and safety-net the patient."
# The scan when anticoagulation is already current: nothing to start while it is awaited.
SCAN_ON_ANTICOAGULATION: Final = (
    f"Proximal leg vein ultrasound with the result within {SCAN_WITHIN_HOURS} h "
    f"(within {SCAN_DEFERRED_WITHIN_HOURS} h while the anticoagulation continues)"
)
# NICE's "stop interim anticoagulation" after a negative scan, when the anticoagulant on record
# may be treatment for something else (docs/clinical-basis.md §1.3 item 10).
STOP_IF_INTERIM: Final = (
    "stop anticoagulation only if it was started as interim treatment for this suspected DVT"
)


def criteria_count(count: int) -> str:
    """How many Wells criteria, in words: "1 criterion", "2 criteria"."""
    return f"{count} criterion" if count == 1 else f"{count} criteria"


def anticoagulant_record(fs: FeatureSet) -> str:
    """The record that shows the anticoagulation, cited as the Wells criteria are."""
    feature = fs.get(FeatureName.ANTICOAGULANT)
    if feature.present or fs.anticoagulation_started is None:
        return feature_evidence(feature)
    return f"start recorded {fs.anticoagulation_started.date().isoformat()}"


def likely_steps(ddimer: DDimerAssessment, anticoagulated: bool, anticoagulant: str) -> list[str]:
    """NG158 1.1.3-1.1.4 when Wells is likely or a red flag sends the leg to the scan: the scan
    comes first whatever the D-dimer, and a D-dimer on record says what a negative scan means.
    ``anticoagulated`` is ``DvtStatus.anticoagulated``; ``anticoagulant`` cites its record."""
    scan = SCAN_ON_ANTICOAGULATION if anticoagulated else SCAN_FIRST
    if ddimer.status == "none" and anticoagulated:
        # Product choice (docs/clinical-basis.md §1.3 item 10): no D-dimer can be taken before
        # the anticoagulation any more, so a negative scan cannot end the work-up.
        return [
            f"Anticoagulation has started or is current: {anticoagulant}. A D-dimer taken now "
            "may read falsely low and cannot say what a negative scan means (NICE NG158 2020 "
            "update); no D-dimer.",
            f"{SCAN_ON_ANTICOAGULATION}.",
            "Scan negative: no D-dimer from before the anticoagulation can rule DVT out, so, as "
            f"with a positive D-dimer, {REPEAT_SCAN}; {STOP_IF_INTERIM}.",
        ]
    if ddimer.status == "none":
        return [
            f"Proximal leg vein ultrasound with the result within {SCAN_WITHIN_HOURS} h; "
            "D-dimer as well if the scan is negative.",
            f"If the scan cannot be had within {SCAN_WITHIN_HOURS} h: take a D-dimer, start "
            f"interim therapeutic anticoagulation, and scan within {SCAN_DEFERRED_WITHIN_HOURS} h.",
            f"Scan negative and D-dimer positive: stop interim anticoagulation and {REPEAT_SCAN}.",
        ]
    if ddimer.positive:
        # Anticoagulation can only lower a D-dimer: a positive one stands even if taken on it.
        steps = [f"{scan}: the D-dimer on record is positive; no new D-dimer."]
        if ddimer.preliminary:
            steps.append(
                "The positive D-dimer is preliminary: the scan does not wait for the final result."
            )
        steps.append(
            f"Scan negative with this positive D-dimer: stop interim anticoagulation and "
            f"{REPEAT_SCAN}."
        )
        return steps
    if not ddimer.reliable_negative:
        # Product choice (docs/clinical-basis.md §1.3 item 10): a negative that may have been
        # taken on anticoagulation cannot play the negative D-dimer's part after a negative scan.
        return [
            f"Anticoagulation is current with no start time on record: {anticoagulant}. The "
            "negative D-dimer may have been taken on it, may read falsely low and cannot be "
            "relied on (NICE NG158 2020 update); no new D-dimer.",
            f"{scan}.",
            f"Scan negative: this D-dimer cannot count as negative, so, as with a positive one, "
            f"{REPEAT_SCAN}; {STOP_IF_INTERIM}.",
        ]
    if ddimer.preliminary:
        return [
            f"{scan}: the scan does not wait for the D-dimer.",
            "D-dimer negative but preliminary: await the final result; no new D-dimer.",
            f"Scan negative and final D-dimer positive: stop interim anticoagulation and "
            f"{REPEAT_SCAN}.",
            f"Scan negative and final D-dimer negative: stop any interim anticoagulation; "
            f"{SAFETY_NET}",
        ]
    return [
        f"{scan}: the negative D-dimer on record does not rule DVT out on its own here; no "
        "new D-dimer.",
        f"Scan negative with this negative D-dimer: stop any interim anticoagulation; {SAFETY_NET}",
    ]


def next_steps(status: DvtStatus, anticoagulant: str) -> list[str]:
    """NG158's next steps from where the patient stands: a D-dimer already on record is never
    asked for again. ``anticoagulant`` cites the record (``anticoagulant_record``)."""
    wells, ddimer = status.wells, status.ddimer
    assert wells is not None and ddimer is not None
    if status.urgent_flags or wells.decision == "likely":
        return likely_steps(ddimer, status.anticoagulated, anticoagulant)
    if ddimer.positive:
        # Anticoagulation can only lower a D-dimer, and a preliminary positive already asks
        # for the scan: neither waits.
        steps = [f"{SCAN_FIRST}: the D-dimer on record is positive."]
        if ddimer.preliminary:
            steps.append(
                "The positive D-dimer is preliminary: the scan does not wait for the final result; "
                "no new D-dimer."
            )
        return steps
    if status.anticoagulated and not ddimer.rules_out:
        return [
            f"Anticoagulation has started or is current: {anticoagulant}. A D-dimer taken now "
            "may read falsely low and cannot rule DVT out (NICE NG158 2020 update).",
            f"{SCAN_ON_ANTICOAGULATION}.",
        ]
    if ddimer.status == "none":
        return [
            f"D-dimer with the result within {DDIMER_WITHIN_HOURS} h (before any anticoagulation); "
            "interim anticoagulation if the result will take longer.",
            f"Positive: proximal leg vein ultrasound within {SCAN_WITHIN_HOURS} h "
            f"(or interim anticoagulation and a scan within {SCAN_DEFERRED_WITHIN_HOURS} h).",
            f"Negative with Wells {UNLIKELY_BAND}: {SAFETY_NET}",
        ]
    document = f"document the {criteria_count(len(wells.unknown))} not yet documented"
    if ddimer.status == "negative-preliminary":
        return [
            "D-dimer negative but preliminary: await the final result; no new D-dimer.",
            f"Final result positive: {SCAN_STEP}.",
            f"Final result negative with Wells {UNLIKELY_BAND}: {SAFETY_NET}"
            if wells.decision == "unlikely"
            else f"Wells incomplete: {document}; ultrasound if Wells {LIKELY_BAND} whatever the "
            "D-dimer.",
        ]
    # A final negative D-dimer with Wells still open: the criteria decide, not another D-dimer.
    return [
        f"D-dimer negative on record, but Wells is incomplete: {document}; no new D-dimer.",
        f"Wells {LIKELY_BAND} once documented: {SCAN_STEP}.",
        f"Wells {UNLIKELY_BAND} once documented: {SAFETY_NET}",
    ]
