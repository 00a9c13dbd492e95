"""Cards for the musculoskeletal branch: muscle-strain, cramp, sciatica, physio-referral.

Each card says why DVT is no longer the question (the NG158 result, or no DVT trigger), gives the
self-care advice with its source, and safety-nets: what should bring the patient back at once.
"""

from __future__ import annotations

from cards import markdown as md
from cards import summaries
from cards.builders import build_card, create_action, suggestion
from cards.fhir_orders import OrderKind
from cards.models import Card, Link
from cards.overrides import MSK_REASONS, NOT_APPLICABLE, PATIENT_DECLINED
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable, references
from cds.triage.msk import LAB_NAMES, CrampFinding, MskFinding
from cds.triage.pathway import DvtStatus
from cds.triage.thresholds import (
    PHYSIO_PERSISTENT_DAYS,
    RICE_HOURS,
    SCIATICA_COMMUNITY_WEEKS,
    SCIATICA_MRI_AFTER_WEEKS,
)

LEAFLET_STRAIN = "https://www.hey.nhs.uk/patient-leaflet/soft-tissue-injury-calf-strain/"
MSK_PATHWAY = (
    "https://rightdecisions.scot.nhs.uk/ggc-msk-foot-and-ankle/lower-leg/calf-strainsprain"
)
NG59 = "https://www.nice.org.uk/guidance/ng59/chapter/Recommendations"
CRAMP_SOURCE = "https://remedy.bnssg.icb.nhs.uk/bnssg-icb/development-area/muscle-cramps-draft"
SAFETY_NET = (
    "Seek help at once for new leg swelling, breathlessness, chest pain or coughing blood "
    "(possible DVT or PE)."
)


def dvt_statement(status: DvtStatus) -> str:
    if status.excluded and status.wells is not None and status.ddimer is not None:
        return (
            f"DVT made unlikely (NICE NG158): Wells {status.wells.score_text} and D-dimer "
            f"{status.ddimer.value_text()} negative."
        )
    return "No DVT trigger recorded (no current calf pain, swelling or tenderness)."


def muscle_strain_card(ctx: Context, finding: MskFinding, status: DvtStatus) -> Card | None:
    if finding.strain is None:
        return None
    detail = md.join_sections(
        dvt_statement(status),
        f"Calf muscle strain: {feature_evidence(finding.strain)}.",
        md.bullets(
            [
                f"First {RICE_HOURS} h: rest, ice, compression, elevation (RICE) and simple "
                "analgesia (S17a, S17b).",
                "Expected recovery: grade 1 in 1–3 weeks, grade 2 in 4–8 weeks, grade 3 in "
                "8–12 weeks (S17a).",
                "Then graded return to walking and calf exercises; self-management first (S17c).",
                "Review, or refer to physiotherapy, if pain persists beyond "
                f"{PHYSIO_PERSISTENT_DAYS} days, recurs, or prevents walking or weight-bearing.",
                "An audible 'pop' or 'snap' suggests Achilles rupture: A&E (S17a).",
                SAFETY_NET,
            ]
        ),
        md.sources([("Calf strain leaflet (HUTH)", LEAFLET_STRAIN), ("NHS GGC MSK", MSK_PATHWAY)]),
    )
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.MUSCLE_STRAIN,
        indicator="info",
        summary=summaries.muscle_strain(),
        detail=detail,
        source_url=ctx.options.source_url,
        override_reasons=(NOT_APPLICABLE, PATIENT_DECLINED),
        links=[Link(label="Calf strain: patient leaflet", url=LEAFLET_STRAIN, type="absolute")],
    )


def achilles_card(ctx: Context, finding: MskFinding) -> Card | None:
    if finding.achilles is None:
        return None
    detail = md.join_sections(
        f"Possible Achilles tendon rupture: {feature_evidence(finding.achilles)}.",
        "An audible pop or snap at the back of the ankle suggests rupture: same-day A&E or "
        "orthopaedic assessment (S17a). No physiotherapy referral until assessed.",
        md.sources([("Calf muscle injury leaflet (S17a)", "https://docslib.org/doc/3113182")]),
    )
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.MUSCLE_STRAIN,
        indicator="warning",
        summary=summaries.achilles_rupture(),
        detail=detail,
        source_url=ctx.options.source_url,
        index=1,
        override_reasons=MSK_REASONS,
    )


def cramp_card(ctx: Context, finding: CrampFinding, status: DvtStatus) -> Card | None:
    abnormal = finding.abnormal
    if abnormal:
        # At most two values in the summary; the detail lists them all.
        named = ", ".join(lab.text.split(" (")[0] for lab in abnormal[:2])
        summary = summaries.cramp_abnormal(named + (" and more" if len(abnormal) > 2 else ""))
    elif not finding.labs:
        summary = summaries.cramp_no_labs()
    else:
        summary = summaries.cramp_normal()
    lab_lines = [f"{lab.text}, {lab.result.evidence.reference}" for lab in finding.labs]
    lab_lines += [
        f"{LAB_NAMES[a]}: no result in the last {ctx.options.lab_recent_days} days"
        for a in finding.missing
    ]
    detail = md.join_sections(
        dvt_statement(status),
        f"Cramp: {feature_evidence(finding.cramp)}.",
        md.section("Recent bloods", md.bullets(lab_lines)),
        md.bullets(
            [
                "Usually benign (nocturnal, exercise-associated, pregnancy). Drug causes: "
                "diuretics, beta-agonists, statins, calcium-channel blockers, raloxifene (S18d).",
                "Disease causes: PAD, neuropathy, hypothyroidism, cirrhosis, CKD; suggested bloods "
                "U&E, LFT, calcium, magnesium, HbA1c, TSH, CK (S18d).",
                "CK ≥ 3× the upper limit suggests myopathy or rhabdomyolysis rather than cramp.",
                SAFETY_NET,
            ]
        ),
        md.sources([("BNSSG Remedy: muscle cramps", CRAMP_SOURCE)]),
    )
    orders = []
    kinds = {
        "potassium": OrderKind.ELECTROLYTES,
        "magnesium": OrderKind.MAGNESIUM,
        "calcium": OrderKind.CALCIUM,
        "creatine_kinase": OrderKind.CREATINE_KINASE,
    }
    refs = references([finding.cramp])
    for analyte in finding.missing:
        resource = ctx.order(kinds[analyte], refs, role="cramp", reason_text="Leg cramps")
        orders.append(create_action(f"Create a draft {LAB_NAMES[analyte]} order", resource))
    suggestions = []
    if orders:
        names = ", ".join(LAB_NAMES[a] for a in finding.missing)
        suggestions.append(
            suggestion(
                ctx.hook_instance,
                Topic.CRAMP,
                0,
                0,
                f"Order bloods: {names}",
                orders,
                recommended=True,
            )
        )
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.CRAMP,
        indicator="warning" if abnormal else "info",
        summary=summary,
        detail=detail,
        source_url=ctx.options.source_url,
        suggestions=suggestions,
        override_reasons=MSK_REASONS,
        links=[Link(label="Muscle cramps (BNSSG Remedy)", url=CRAMP_SOURCE, type="absolute")],
    )


def sciatica_card(ctx: Context, finding: MskFinding, status: DvtStatus) -> Card | None:
    if not finding.sciatica:
        return None
    evidence = "; ".join(f"{readable(f.name)}: {feature_evidence(f)}" for f in finding.sciatica)
    detail = md.join_sections(
        dvt_statement(status),
        f"Sciatica / radicular pain: {evidence}.",
        md.bullets(
            [
                "Stratify the episode (e.g. STarT Back), advise keeping active, and offer a group "
                "exercise programme; manual or psychological therapy only alongside exercise "
                "(NICE NG59, S17d, S17e).",
                f"About {SCIATICA_COMMUNITY_WEEKS} weeks of community management including MSK "
                "physiotherapy before specialist referral (S17f).",
                f"MRI only if symptoms persist beyond {SCIATICA_MRI_AFTER_WEEKS[0]}–"
                f"{SCIATICA_MRI_AFTER_WEEKS[1]} weeks and intervention is considered (S16e).",
                "Progressive or severe motor weakness (e.g. foot drop): urgent spinal referral.",
                "Safety-net for cauda equina: new saddle numbness, bladder or bowel disturbance, "
                "sexual dysfunction or weakness in both legs means go to A&E now (S14a, S14b).",
            ]
        ),
        md.sources([("NICE NG59", NG59)]),
    )
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.SCIATICA,
        indicator="info",
        summary=summaries.sciatica(),
        detail=detail,
        source_url=ctx.options.source_url,
        override_reasons=MSK_REASONS,
        links=[Link(label="NICE NG59: low back pain and sciatica", url=NG59, type="absolute")],
    )


def physio_card(ctx: Context, finding: MskFinding, status: DvtStatus) -> Card | None:
    if not finding.physio_reasons:
        return None
    reason = ", ".join(finding.physio_reasons)
    refs = references(finding.physio_evidence)
    referral = ctx.order(
        OrderKind.PHYSIOTHERAPY,
        refs,
        role="physio",
        reason_text=f"Calf/leg pain {reason}; DVT excluded or not suspected",
    )
    detail = md.join_sections(
        dvt_statement(status),
        f"Reason for referral: pain {reason}; pain beyond the {PHYSIO_PERSISTENT_DAYS}-day RICE "
        "period counts as persisting (S17a). Findings: "
        f"{', '.join(readable(f.name) for f in finding.physio_evidence)}.",
        "NHS MSK pathways: self-management first, then assessment, manual therapy and graded "
        "exercise (S17c); for sciatica, exercise-based care (NICE NG59).",
        SAFETY_NET,
        md.sources([("NHS GGC MSK", MSK_PATHWAY), ("NICE NG59", NG59)]),
    )
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.PHYSIO_REFERRAL,
        indicator="info",
        summary=summaries.physio_referral(reason),
        detail=detail,
        source_url=ctx.options.source_url,
        suggestions=[
            suggestion(
                ctx.hook_instance,
                Topic.PHYSIO_REFERRAL,
                0,
                0,
                "Refer to musculoskeletal physiotherapy",
                [create_action("Create a draft physiotherapy referral", referral)],
                recommended=True,
            )
        ],
        override_reasons=MSK_REASONS,
    )
