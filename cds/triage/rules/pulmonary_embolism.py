"""Red flag: possible pulmonary embolism, and the NICE NG158 PE pathway (docs/clinical-basis.md
§1.5).

Breathlessness, chest pain, haemoptysis, syncope, heart rate > 100/min or SpO2 < 95%, together
with current leg symptoms or a suspected/confirmed DVT (S12a-d, S13e), needs emergency
assessment whatever any score says. The card scores Wells PE as a range (``wells_pe``) and gives
the pathway it decides: PE likely (> 4), immediate CTPA (V/Q where CTPA is unsuitable) with
interim anticoagulation if imaging is delayed; PE unlikely (<= 4), a D-dimer first (S2, S3c).
The PE work-up comes before the leg's: the DVT D-dimer card is withdrawn beside this one, and
this card says where the leg stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card
from cards.topics import Topic
from cds.smart.link import wells_pe_links
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import (
    DVT_TRIGGER_READS,
    SWELLING_TRIGGERS,
    current_vital,
    only_bilateral,
    present,
    readable,
    recent_present,
)
from cds.triage.override_reasons import ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.red_flag import RedFlag, fitted_summary, red_flag_card
from cds.triage.rule import Rule
from cds.triage.thresholds import (
    DDIMER_WITHIN_HOURS,
    HEART_RATE_HIGH_PER_MIN,
    SPO2_LOW_PERCENT,
    WELLS_PE_UNLIKELY_MAX,
)
from cds.triage.wells_pe import READS as WELLS_PE_READS
from cds.triage.wells_pe import WellsPe, score_wells_pe
from fhir_mappings.features import Feature, FeatureName, FeatureSet, State

TOPIC: Final = Topic(
    "pe-emergency",
    "Possible pulmonary embolism: emergency assessment",
    "NICE NG158 (suspected PE), Wells PE",
)
OVERRIDE_REASONS: Final = (ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED)
LINK: Final = (
    "NICE NG158: suspected PE",
    "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations",
)
INTRO: Final = (
    "Signs of pulmonary embolism with leg symptoms or a suspected/confirmed DVT: assess as an "
    "emergency now (same-day hospital assessment; NICE NG158 PE pathway)."
)
PE_SYMPTOMS: Final = (
    FeatureName.DYSPNOEA,
    FeatureName.CHEST_PAIN,
    FeatureName.HAEMOPTYSIS,
    FeatureName.SYNCOPE,
)
READS: Final = frozenset(
    {
        *PE_SYMPTOMS,
        FeatureName.HEART_RATE,
        FeatureName.SPO2,
        FeatureName.CURRENT_DVT,
        FeatureName.CURRENT_PE,
        FeatureName.ANTICOAGULANT,
        *DVT_TRIGGER_READS,
        *WELLS_PE_READS,
        *pathway.READS,
    }
)
STATE_TEXT: Final = {
    State.PRESENT: "present",
    State.ABSENT: "absent",
    State.UNKNOWN: "not documented",
}
UNLIKELY_BAND: Final = f"≤ {WELLS_PE_UNLIKELY_MAX:g}"
LIKELY_BAND: Final = f"> {WELLS_PE_UNLIKELY_MAX:g}"
IMAGING: Final = (
    "immediate CT pulmonary angiogram (CTPA); a V/Q scan where CTPA is unsuitable (contrast "
    "allergy, severe renal impairment)"
)
INTERIM: Final = "interim therapeutic anticoagulation if imaging cannot be done at once"


def summary(signs: str, setting: str, wells: WellsPe) -> str:
    if wells.decision == "likely":
        return (
            f"Possible pulmonary embolism ({setting} with {signs}): PE likely "
            f"(Wells PE {wells.score_text}), immediate CTPA"
        )
    return f"Possible pulmonary embolism ({setting} with {signs}): emergency assessment now"


def _points(value: float) -> str:
    return f"+{value:g}"


def wells_pe_table(wells: WellsPe) -> str:
    rows = [
        (
            item.label,
            _points(item.points),
            STATE_TEXT[item.state],
            "?"
            if item.state is State.UNKNOWN
            else (_points(item.points) if item.state is State.PRESENT else "0"),
            item.note,
        )
        for item in wells.items
    ]
    return md.table(("Wells PE item", "Points", "Finding", "Counted", "Evidence"), rows)


def pathway_steps(wells: WellsPe, anticoagulated: bool) -> list[str]:
    """The NG158 PE pathway for this score (both branches while the score is undecided)."""
    likely = [f"PE likely (Wells PE {LIKELY_BAND}): {IMAGING}; {INTERIM}."]
    unlikely = [
        f"PE unlikely (Wells PE {UNLIKELY_BAND}): D-dimer with the result within "
        f"{DDIMER_WITHIN_HOURS} h (interim therapeutic anticoagulation if it will take longer); "
        "positive: immediate CTPA; negative: consider other diagnoses."
    ]
    if anticoagulated:
        return [
            f"On anticoagulation a D-dimer may read falsely low and cannot exclude PE: {IMAGING}, "
            "whatever the score."
        ]
    if wells.decision == "likely":
        return likely
    if wells.decision == "unlikely":
        return unlikely
    return [
        f"Wells PE {wells.score_text} depends on what is not documented, including whether "
        "PE is judged the most likely diagnosis (+3): above "
        f"{WELLS_PE_UNLIKELY_MAX:g} is PE likely, {WELLS_PE_UNLIKELY_MAX:g} or less PE unlikely.",
        *likely,
        *unlikely,
    ]


def _leg_line(ctx: Context) -> str:
    """Where the leg stands, since the DVT D-dimer card gives way to the PE work-up."""
    status = ctx.dvt
    if not status.in_pathway or status.wells is None or status.excluded:
        return ""
    words = {"likely": "DVT likely", "unlikely": "DVT unlikely", "undetermined": "undecided"}
    return (
        f"The leg: Wells DVT {status.wells.score_text} ({words[status.wells.decision]}). The PE "
        "work-up comes first; if PE is excluded and DVT is still suspected, follow the NG158 DVT "
        "pathway (proximal leg vein ultrasound)."
    )


def _perc_line(fs: FeatureSet) -> str:
    swollen = [f for f in present(fs, SWELLING_TRIGGERS) if not only_bilateral(f)]
    if not swollen:
        return ""
    return "A patient with unilateral leg swelling can never be PERC-negative."  # S13e


UNCONFIRMED_PE: Final = (
    "The PE on record is not confirmed: it is not a known diagnosis, so Wells PE and the NG158 "
    "PE pathway below apply."
)


def clot_setting(dvt: Feature, pe: Feature) -> str:
    """The clot on record that sets the scene: only an active, confirmed (clinician-asserted)
    diagnosis is a known one; a provisional or unconfirmed one is named as such (§1.14)."""
    if pathway.confirmed(pe):
        return "known PE"
    if pathway.confirmed(dvt):
        return "known DVT"
    return "unconfirmed PE on record" if pe.present else "unconfirmed DVT on record"


def findings(ctx: Context) -> tuple[RedFlag, str, Feature | None] | None:
    """The PE red flag (signs, evidence), its setting and the current heart rate, or None."""
    fs = ctx.fs
    symptoms = recent_present(fs, PE_SYMPTOMS, ctx.settings.episode_days)
    signs = [readable(f.name) for f in symptoms]
    found = list(symptoms)
    heart = current_vital(fs, FeatureName.HEART_RATE)
    if heart is not None and heart.quantity is not None:
        if heart.quantity.value > HEART_RATE_HIGH_PER_MIN:
            signs.append(f"heart rate {heart.quantity.value:g}/min")
            found.append(heart)
    spo2 = current_vital(fs, FeatureName.SPO2)
    if spo2 is not None and spo2.quantity is not None and spo2.quantity.value < SPO2_LOW_PERCENT:
        signs.append(f"SpO2 {spo2.quantity.value:g}%")
        found.append(spo2)
    if not signs:
        return None
    legs = ctx.dvt_triggers
    dvt = fs.get(FeatureName.CURRENT_DVT)
    pe = fs.get(FeatureName.CURRENT_PE)
    if not legs and not dvt.present and not pe.present:
        return None
    setting = "leg symptoms" if legs else clot_setting(dvt, pe)
    # A known clot or an anticoagulant is named on the card: on treatment a new D-dimer cannot
    # settle anything, and new signs mean extension, treatment failure or bleeding (§1.14).
    treated = fs.get(FeatureName.ANTICOAGULANT)
    notes = (UNCONFIRMED_PE,) if pe.present and not pathway.confirmed(pe) else ()
    return RedFlag(tuple(signs), (*found, *legs, dvt, pe, treated), notes), setting, heart


def support(ctx: Context) -> int:
    """How many findings support the picture (a likely Wells PE counts as one more)."""
    found = findings(ctx)
    if found is None:
        return 0
    flag, _, heart = found
    likely = score_wells_pe(ctx.fs, heart, ctx.settings.episode_days).decision == "likely"
    return len(flag.signs) + int(likely)


# A confirmed PE on record is a known diagnosis (docs/clinical-basis.md §1.14): new signs are a
# deterioration to assess, not a PE to diagnose again, so neither Wells PE nor a D-dimer applies.
KNOWN_PE_INTRO: Final = (
    "New signs in a patient with a known, confirmed pulmonary embolism: assess as an emergency "
    "now (extension, treatment failure, bleeding or another cause)."
)
KNOWN_PE_STEPS: Final = (
    "Not a new diagnostic question: no D-dimer, and Wells PE and PERC do not apply.",
    "Check the anticoagulant is being taken at a therapeutic dose; further imaging is decided "
    "by the team assessing the deterioration.",
)


def known_pe_summary(signs: str) -> str:
    return f"Known PE with new signs ({signs}): emergency assessment now"


def known_pe_card(ctx: Context, flag: RedFlag) -> Card:
    steps = list(KNOWN_PE_STEPS)
    if not ctx.dvt.anticoagulated:
        steps.append("No current anticoagulant on record: check that the PE is being treated.")
    return red_flag_card(
        ctx,
        flag,
        topic=TOPIC,
        summary=fitted_summary(known_pe_summary, flag.signs),
        intro=KNOWN_PE_INTRO,
        link=LINK,
        override_reasons=OVERRIDE_REASONS,
        sections=(md.section("Next steps", md.bullets(steps)),),
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    found = findings(ctx)
    if found is None:
        return []
    flag, setting, heart = found
    if ctx.dvt.known_pe is not None:
        return [known_pe_card(ctx, flag)]
    wells = score_wells_pe(ctx.fs, heart, ctx.settings.episode_days)
    head = (
        f"Wells PE: documented score **{wells.minimum:g}**, possible maximum "
        f"**{wells.maximum:g}** (PE likely {LIKELY_BAND}, unlikely {UNLIKELY_BAND})."
    )
    sections = (
        md.section("Wells PE", md.join_sections(head, wells_pe_table(wells))),
        md.section(
            "Next steps (NICE NG158)",
            md.bullets(
                line
                for line in (
                    *pathway_steps(wells, ctx.dvt.anticoagulated),
                    _perc_line(ctx.fs),
                    _leg_line(ctx),
                    pathway.age_caveat(ctx.fs.age_years),
                )
                if line
            ),
        ),
    )
    card = red_flag_card(
        ctx,
        flag,
        topic=TOPIC,
        summary=fitted_summary(lambda text: summary(text, setting, wells), flag.signs),
        intro=INTRO,
        link=LINK,
        override_reasons=OVERRIDE_REASONS,
        sections=sections,
    )
    # The assessment app, when the undocumented signs of DVT could move the Wells PE range.
    app = wells_pe_links(ctx.settings, TOPIC.code, wells, ctx.dvt.wells)
    return [card.model_copy(update={"links": [*(card.links or []), *app]}) if app else card]


RULE: Final = Rule(
    name="pulmonary-embolism",
    kind="red-flag",
    topics=(TOPIC,),
    reads=READS,
    cards=cards,
    support=support,
)
