"""Muscle, nerve, no-card and order-entry cases (CLINICAL.md §1.8-1.9)."""

from __future__ import annotations

from tests.fakes.fixture_builders import ICD, Chart, Resource
from tests.fakes.fixture_cases import (
    AMLODIPINE,
    APPENDECTOMY,
    ASTHMA,
    CALF_PAIN,
    CANCER,
    COUGH,
    CRAMP_ICD,
    CRAMP_LEG,
    FUROSEMIDE,
    HX_DVT,
    HX_DVT_Z,
    HYPERTENSION,
    LUMBAGO_SCIATICA,
    NAPROXEN,
    NUMB_LIMB,
    NUMBNESS,
    PAIN_LEG,
    PARACETAMOL,
    PARAESTHESIA,
    PHYSIO,
    SCIATICA,
    STRAIN,
    STRAIN_ICD,
    URTI,
    WALKING,
    WALKING_ICD,
    born,
    case,
    chart,
    exam,
    gp_visit,
    leg_pain,
    no_pe_symptoms,
)

REHAB = ("http://snomed.info/sct", "409063005", "Counseling")  # unused placeholder guard


def _strain(c: Chart, side: str, days: float, *, confirmed: bool = True) -> None:
    c.condition(
        STRAIN,
        STRAIN_ICD[side],
        onset=c.ago(days=days),
        category="encounter-diagnosis",
        side=side,
        current=True,
        verification="confirmed" if confirmed else "provisional",
        text=f"Strain of medial gastrocnemius, {side} calf",
    )


@case
def muscle_strain_wells_minus_2() -> Resource:
    c = chart("muscle-strain-wells-minus-2")
    gp_visit(c, "Marcus", "Lindqvist", "male", born(c, 42, 15))
    leg_pain(c, "left", 1, note="Sudden sharp pain in the left calf lunging for a tennis ball")
    _strain(c, "left", 1)
    exam(c, "left", calf=(37.5, 37.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=66, spo2=99, rr=12, temp=36.6)
    c.ddimer(0.32, "mg/L", cutoff=0.5, when=c.ago(hours=1))
    c.procedure(APPENDECTOMY, c.ago(days=7000))
    return c.bundle(
        "42-year-old man, sudden left calf pain lunging at tennis, clinician-diagnosed "
        "gastrocnemius strain, normal DVT examination, D-dimer negative: Wells -2, strain self-"
        "care.",
        "patient-view",
    )


@case
def muscle_strain_physio_referral() -> Resource:
    c = chart("muscle-strain-physio-referral")
    gp_visit(c, "Gabriela", "Novak", "female", born(c, 52, 210))
    c.condition(HYPERTENSION, onset=c.ago(days=2500))
    leg_pain(c, "right", 10, note="Calf strain stepping off a kerb 10 days ago, still limping")
    _strain(c, "right", 10)
    c.condition(
        WALKING,
        WALKING_ICD,
        onset=c.ago(days=10),
        category="encounter-diagnosis",
        current=True,
        text="Cannot walk more than 100 m because of calf pain",
    )
    exam(c, "right", calf=(36.5, 36.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=72, spo2=98, rr=14, temp=36.7)
    c.ddimer(280, "ng/mL", cutoff=500, when=c.ago(days=9))
    c.medication(AMLODIPINE, c.ago(days=600), "5 mg once daily")
    return c.bundle(
        "52-year-old woman, right calf strain 10 days ago, D-dimer negative at the start, still "
        "limping: strain guidance and physiotherapy referral.",
        "patient-view",
    )


@case
def dvt_unlikely_wells_1_ddimer_negative() -> Resource:
    c = chart("dvt-unlikely-wells-1-ddimer-negative")
    gp_visit(c, "Emily", "Tran", "female", born(c, 29, 45))
    c.condition(HX_DVT, HX_DVT_Z, onset=c.ago(days=2200), text="Postpartum left DVT 2019, treated")
    leg_pain(c, "left", 2, note="Aching left calf since a 10 km run")
    exam(c, "left", calf=(35.5, 35.2), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=62, spo2=99, rr=12, temp=36.5)
    c.ddimer(0.28, "mg/L", cutoff=0.5, when=c.ago(hours=1, minutes=30))
    return c.bundle(
        "29-year-old woman with a previous DVT (Wells 1, boundary), aching left calf after a run, "
        "normal examination, D-dimer negative: DVT unlikely, no ultrasound.",
        "patient-view",
    )


@case
def cramp_hypokalaemia_diuretic() -> Resource:
    c = chart("cramp-hypokalaemia-diuretic")
    gp_visit(c, "Reginald", "Ashworth", "male", born(c, 68, 130))
    c.condition(HYPERTENSION, onset=c.ago(days=6000))
    c.condition(
        CRAMP_LEG,
        CRAMP_ICD,
        onset=c.ago(days=21),
        category="encounter-diagnosis",
        side="bilateral",
        current=True,
        text="Night cramps in both calves for 3 weeks",
    )
    c.finding(CRAMP_LEG, True, "bilateral", when=c.ago(days=2), text="Calf cramp last night")
    exam(c, "left", calf=(36.0, 36.2), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=97, rr=14, temp=36.6)
    c.lab("2823-3", "Potassium [Moles/volume] in Serum or Plasma", 3.1, "mmol/L", 3.5, 5.1)
    c.lab("2601-3", "Magnesium [Moles/volume] in Serum or Plasma", 0.62, "mmol/L", 0.70, 1.00)
    c.lab("2000-8", "Calcium [Moles/volume] in Serum or Plasma", 2.30, "mmol/L", 2.15, 2.55)
    c.lab(
        "2157-6",
        "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma",
        140,
        "U/L",
        40,
        200,
    )
    c.medication(FUROSEMIDE, c.ago(days=60), "40 mg each morning (started 2 months ago)")
    return c.bundle(
        "68-year-old man on furosemide with night cramps in both calves, potassium 3.1 and "
        "magnesium 0.62 mmol/L low, calcium and CK normal: cramp card showing the low values.",
        "patient-view",
    )


@case
def cramp_exercise_no_labs() -> Resource:
    c = chart("cramp-exercise-no-labs")
    gp_visit(c, "Naomi", "Fischer", "female", born(c, 35, 260))
    c.condition(
        CRAMP_LEG,
        CRAMP_ICD,
        onset=c.ago(days=3),
        category="encounter-diagnosis",
        side="left",
        current=True,
        text="Cramps in the left calf during runs this week",
    )
    exam(c, "left", calf=(34.5, 34.5), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=58, spo2=99, rr=12, temp=36.4)
    return c.bundle(
        "35-year-old runner with exercise-associated left calf cramps, normal examination, no "
        "recent electrolytes: cramp advice and an electrolyte panel.",
        "patient-view",
    )


@case
def sciatica_radicular_right() -> Resource:
    c = chart("sciatica-radicular-right")
    gp_visit(c, "Graham", "McAllister", "male", born(c, 50, 100))
    c.condition(
        SCIATICA,
        LUMBAGO_SCIATICA["right"],
        onset=c.ago(days=21),
        category="encounter-diagnosis",
        side="right",
        site="lower_limb",
        current=True,
        text="Right L5 sciatica, shooting pain buttock to calf",
    )
    c.finding(PARAESTHESIA, True, "right", text="Pins and needles over the right foot")
    c.finding(NUMB_LIMB, True, "right", site="lower_limb", text="Numb patch over the right shin")
    c.finding(
        NUMBNESS,
        False,
        None,
        site="perineum",
        site_text="Saddle area (perineum)",
        text="Saddle numbness",
    )
    c.vitals(hr=74, spo2=98, rr=14, temp=36.7)
    return c.bundle(
        "50-year-old man, right sciatica for 3 weeks with foot paraesthesia, no saddle numbness: "
        "sciatica self-management, NG59 exercise, cauda equina safety-net.",
        "patient-view",
    )


@case
def no_leg_complaint_urti() -> Resource:
    c = chart("no-leg-complaint-urti")
    gp_visit(c, "Priya", "Raman", "female", born(c, 45, 190))
    c.condition(ASTHMA, onset=c.ago(days=9000))
    c.condition(
        URTI,
        COUGH,
        onset=c.ago(days=4),
        category="encounter-diagnosis",
        current=True,
        text="Cough and sore throat for 4 days",
    )
    c.vitals(hr=80, spo2=98, rr=16, temp=37.6)
    return c.bundle(
        "45-year-old woman with asthma and a 4-day cough, no leg complaint: no cards.",
        "patient-view",
    )


@case
def no_cards_old_calf_strain() -> Resource:
    c = chart("no-cards-old-calf-strain")
    gp_visit(c, "Henrik", "Sørensen", "male", born(c, 57, 20))
    c.condition(HYPERTENSION, onset=c.ago(days=1800))
    c.condition(
        STRAIN,
        STRAIN_ICD["left"],
        onset=c.ago(days=240),
        abated=c.ago(days=200),
        clinical="resolved",
        category="encounter-diagnosis",
        side="left",
        text="Left calf strain last summer, recovered",
    )
    c.condition(
        CALF_PAIN,
        PAIN_LEG["left"],
        onset=c.ago(days=240),
        abated=c.ago(days=200),
        clinical="resolved",
        category="encounter-diagnosis",
        side="left",
    )
    c.vitals(hr=68, spo2=98, rr=14, temp=36.6)
    c.medication(AMLODIPINE, c.ago(days=800), "5 mg once daily")
    return c.bundle(
        "57-year-old man at a blood-pressure review; left calf strain 8 months ago, long resolved:"
        " no recent leg symptom, no cards.",
        "patient-view",
    )


def _likely_chart(c: Chart, given: str, family: str, gender: str, age: int) -> None:
    gp_visit(c, given, family, gender, born(c, age, 70))
    c.condition(
        CANCER,
        (ICD, "C61", "Malignant neoplasm of prostate"),
        onset=c.ago(days=200),
        text="Prostate cancer on hormone therapy",
    )
    leg_pain(c, "right", 3)
    exam(c, "right", tender=True, pitting=True, calf=(36.0, 37.5), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=80, spo2=97, rr=14, temp=36.8)


@case
def physio_order_select_dvt_likely() -> Resource:
    c = chart("physio-order-select-dvt-likely")
    _likely_chart(c, "Bernard", "Quist", "male", 74)
    c.draft_service(PHYSIO, reason="Right calf pain", selected=True)
    c.medication(PARACETAMOL, c.ago(minutes=2), "1 g up to four times daily", status="draft")
    return c.bundle(
        "74-year-old man with prostate cancer, tender right calf with pitting oedema (Wells 3, "
        "likely) and physiotherapy selected: warn, suggest ultrasound instead.",
        "order-select",
    )


@case
def physio_order_sign_dvt_likely() -> Resource:
    c = chart("physio-order-sign-dvt-likely")
    _likely_chart(c, "Clifford", "Mensah", "male", 69)
    c.draft_service(PHYSIO, reason="Right calf pain")
    return c.bundle(
        "69-year-old man with prostate cancer, tender right calf with pitting oedema (Wells 3, "
        "likely), physiotherapy referral about to be signed: warn, ultrasound first.",
        "order-sign",
    )


@case
def nsaid_order_select_dvt_not_excluded() -> Resource:
    c = chart("nsaid-order-select-dvt-not-excluded")
    gp_visit(c, "Julia", "Brandt", "female", born(c, 44, 120))
    leg_pain(c, "left", 1)
    exam(c, "left", calf=(36.0, 35.7), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=99, rr=13, temp=36.6)
    c.medication(
        NAPROXEN,
        c.ago(minutes=2),
        "500 mg twice daily for 5 days",
        status="draft",
        reason="Left calf pain",
        selected=True,
    )
    return c.bundle(
        "44-year-old woman, left calf pain, Wells 0 but no D-dimer yet (DVT not excluded), "
        "naproxen selected: warn, D-dimer first.",
        "order-select",
    )


@case
def physio_order_sign_dvt_excluded() -> Resource:
    c = chart("physio-order-sign-dvt-excluded")
    gp_visit(c, "Dominic", "Farrell", "male", born(c, 39, 77))
    leg_pain(c, "left", 4, note="Calf strain sprinting for a bus")
    _strain(c, "left", 4)
    exam(c, "left", calf=(37.0, 36.8), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=64, spo2=99, rr=12, temp=36.5)
    c.ddimer(190, "ng/mL", cutoff=500, when=c.ago(days=3))
    c.draft_service(PHYSIO, reason="Left gastrocnemius strain")
    return c.bundle(
        "39-year-old man, left gastrocnemius strain, Wells -2 and negative D-dimer (DVT excluded),"
        " physiotherapy being signed: no warning.",
        "order-sign",
    )


_ = (REHAB, CALF_PAIN)
