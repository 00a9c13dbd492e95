"""Wells / D-dimer cases (CLINICAL.md §1.1-1.3, §1.7) and their traps."""

from __future__ import annotations

from tests.fakes.fixture_builders import ICD, Resource
from tests.fakes.fixture_cases import (
    AMLODIPINE,
    APIXABAN,
    APPENDECTOMY,
    ATORVASTATIN,
    BAKER_LEFT,
    BED_Z,
    BEDRIDDEN,
    CANCER,
    CELLULITIS,
    CELLULITIS_ICD,
    COC,
    DIABETES,
    DVT,
    DVT_ICD,
    FUROSEMIDE,
    HEART_FAILURE,
    HX_CANCER,
    HX_DVT,
    HX_DVT_Z,
    HYPERTENSION,
    KNEE_OA,
    KNEE_REPLACEMENT,
    LIPIDS,
    METFORMIN,
    PARESIS,
    PITTING,
    PREGNANCY,
    PREGNANT_Z,
    STROKE_HEMIPARESIS,
    SWELL_BILAT,
    SWELL_LOWER_LEG,
    born,
    case,
    chart,
    exam,
    gp_visit,
    leg_pain,
    no_pe_symptoms,
)


@case
def dvt_likely_active_cancer() -> Resource:
    c = chart("dvt-likely-active-cancer")
    gp_visit(c, "Ingrid", "Bergström", "female", born(c, 67, 55))
    c.condition(
        CANCER,
        (ICD, "C50.912", "Malignant neoplasm of unspecified site of left female breast"),
        onset=c.ago(days=150),
        text="Left breast cancer, adjuvant chemotherapy ongoing",
    )
    c.condition(HYPERTENSION, onset=c.ago(days=4000))
    leg_pain(c, "left", 2)
    exam(c, "left", tender=True, pitting=True, calf=(38.0, 36.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=88, spo2=97, rr=16, temp=36.9)
    c.procedure(APPENDECTOMY, c.ago(days=15000))
    c.medication(AMLODIPINE, c.ago(days=200), "5 mg once daily")
    return c.bundle(
        "67-year-old woman on chemotherapy for breast cancer, left calf pain, deep-vein tenderness"
        " and pitting oedema: Wells 3, DVT likely, ultrasound.",
        "patient-view",
    )


@case
def dvt_likely_wells_2_bedridden() -> Resource:
    c = chart("dvt-likely-wells-2-bedridden")
    gp_visit(c, "Elsie", "Marchetti", "female", born(c, 80, 12))
    c.condition(HYPERTENSION, onset=c.ago(days=7000))
    c.condition(
        BEDRIDDEN, BED_Z, onset=c.ago(days=6), text="In bed since a flu-like illness 6 days ago"
    )
    leg_pain(c, "left", 1)
    exam(c, "left", tender=True, calf=(35.0, 34.0))
    no_pe_symptoms(c)
    c.vitals(hr=82, spo2=96, rr=16, temp=37.2)
    c.medication(AMLODIPINE, c.ago(days=300), "5 mg once daily")
    return c.bundle(
        "80-year-old woman bedridden for 6 days after a viral illness, left calf pain and deep-"
        "vein tenderness: Wells 2 (boundary), DVT likely.",
        "patient-view",
    )


@case
def dvt_likely_wells_8_every_criterion() -> Resource:
    c = chart("dvt-likely-wells-8-every-criterion")
    gp_visit(c, "Harald", "Lindgren", "male", born(c, 62, 77), "EMER")
    c.condition(
        CANCER,
        (ICD, "C18.9", "Malignant neoplasm of colon, unspecified"),
        onset=c.ago(days=90),
        text="Colon cancer, palliative chemotherapy",
    )
    c.condition(
        PARESIS,
        STROKE_HEMIPARESIS,
        onset=c.ago(days=400),
        side="left",
        site="lower_limb",
        text="Left leg weakness after stroke",
    )
    c.condition(BEDRIDDEN, BED_Z, onset=c.ago(days=5), text="Bedbound for 5 days")
    c.condition(HX_DVT, HX_DVT_Z, onset=c.ago(days=1500), text="DVT right leg 2021, treated")
    leg_pain(c, "left", 2)
    exam(c, "left", tender=True, entire=True, pitting=True, calf=(41.2, 37.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=92, spo2=96, rr=16, temp=37.3)
    return c.bundle(
        "62-year-old man with colon cancer, post-stroke leg paresis, bedbound, previous DVT, "
        "entire left leg swollen, calf +4.2 cm, tender, pitting, no collateral veins: Wells 8.",
        "patient-view",
    )


@case
def dvt_likely_resolved_previous_dvt() -> Resource:
    c = chart("dvt-likely-resolved-previous-dvt")
    gp_visit(c, "Pieter", "van Dijk", "male", born(c, 54, 3))
    c.condition(
        DVT,
        DVT_ICD["right"],
        onset=c.ago(days=800),
        abated=c.ago(days=620),
        clinical="resolved",
        side="right",
        site="lower_limb",
        text="Right popliteal DVT 2022, 6 months rivaroxaban, resolved",
    )
    c.condition(LIPIDS, onset=c.ago(days=2000))
    leg_pain(c, "right", 2)
    exam(c, "right", pitting=True, calf=(38.5, 37.0))
    no_pe_symptoms(c)
    c.vitals(hr=74, spo2=98, rr=14, temp=36.6)
    c.medication(ATORVASTATIN, c.ago(days=900), "20 mg at night")
    return c.bundle(
        "54-year-old man, right calf pain with pitting oedema; resolved right DVT two years ago "
        "counts as previously documented DVT (not current): Wells 2, DVT likely.",
        "patient-view",
    )


@case
def dvt_ddimer_refuted_dvt() -> Resource:
    c = chart("dvt-ddimer-refuted-dvt")
    gp_visit(c, "Sofia", "Castellanos", "female", born(c, 41, 150))
    c.condition(
        DVT,
        DVT_ICD["left"],
        onset=c.ago(days=300),
        recorded=c.ago(days=300),
        verification="refuted",
        clinical="inactive",
        side="left",
        site="lower_limb",
        text="Suspected left DVT last year, ultrasound negative",
    )
    leg_pain(c, "left", 1)
    exam(c, "left", calf=(36.0, 35.5), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=99, rr=12, temp=36.5)
    c.procedure(APPENDECTOMY, c.ago(days=6000))
    return c.bundle(
        "41-year-old woman, left calf pain, examination normal; last year's suspected DVT was "
        "refuted (must not count): Wells 0, DVT unlikely so far, D-dimer.",
        "patient-view",
    )


@case
def dvt_likely_cellulitis_other_leg() -> Resource:
    c = chart("dvt-likely-cellulitis-other-leg")
    gp_visit(c, "Rosa", "Fitzgerald", "female", born(c, 59, 20))
    c.condition(DIABETES, onset=c.ago(days=3000))
    c.condition(
        CELLULITIS,
        CELLULITIS_ICD["left"],
        onset=c.ago(days=4),
        category="encounter-diagnosis",
        side="left",
        current=True,
        text="Cellulitis of the left shin, on flucloxacillin",
    )
    leg_pain(c, "right", 2)
    exam(c, "right", tender=True, pitting=True, calf=(36.0, 38.0))
    no_pe_symptoms(c)
    c.vitals(hr=86, spo2=98, rr=14, temp=37.6)
    c.medication(METFORMIN, c.ago(days=1000), "1 g twice daily")
    return c.bundle(
        "59-year-old woman with cellulitis of the LEFT shin, now RIGHT calf pain, tenderness and "
        "pitting oedema: the alternative diagnosis is on the other leg, Wells 2, DVT likely.",
        "patient-view",
    )


@case
def calf_difference_3cm_wells2003() -> Resource:
    c = chart("calf-difference-3cm-wells2003")
    _calf_3cm(c)
    return c.bundle(
        "45-year-old man, right calf pain, deep-vein tenderness, calf 3.0 cm larger: scores under "
        "Wells 2003 (at least 3 cm), Wells 2, DVT likely.",
        "patient-view",
    )


@case
def calf_difference_3cm_wells1997() -> Resource:
    c = chart("calf-difference-3cm-wells1997")
    _calf_3cm(c)
    return c.bundle(
        "Same chart replayed under the 1997 Wells rule (more than 3 cm): calf 3.0 cm does not "
        "score, Wells 1, DVT unlikely so far, D-dimer.",
        "patient-view",
        settings={"CDS_WELLS_VERSION": "1997"},
    )


def _calf_3cm(c: object) -> None:
    from tests.fakes.fixture_builders import Chart

    assert isinstance(c, Chart)
    gp_visit(c, "Jonas", "Petrauskas", "male", born(c, 45, 60))
    c.condition(HYPERTENSION, onset=c.ago(days=1500))
    leg_pain(c, "right", 3)
    exam(c, "right", tender=True, calf=(36.0, 39.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=72, spo2=98, rr=14, temp=36.7)
    c.procedure(APPENDECTOMY, c.ago(days=8000))


@case
def dvt_ddimer_needed_wells_0() -> Resource:
    c = chart("dvt-ddimer-needed-wells-0")
    gp_visit(c, "Chloé", "Moreau", "female", born(c, 34, 101))
    c.condition(KNEE_OA, onset=c.ago(days=700), text="Right knee osteoarthritis (runner)")
    leg_pain(c, "left", 1, note="Aching left calf after a long-haul flight two days ago")
    exam(c, "left", calf=(35.5, 35.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=68, spo2=99, rr=12, temp=36.6)
    c.medication(COC, c.ago(days=400), "1 tablet daily")
    return c.bundle(
        "34-year-old woman on the combined pill, aching left calf after a long flight, examination"
        " normal: Wells 0, DVT unlikely so far, D-dimer within 4 h.",
        "patient-view",
    )


@case
def dvt_ddimer_positive_feu() -> Resource:
    c = chart("dvt-ddimer-positive-feu")
    gp_visit(c, "Oliver", "Nakamura", "male", born(c, 39, 222))
    leg_pain(c, "right", 2)
    exam(c, "right", calf=(37.5, 37.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=99, rr=13, temp=36.8)
    c.ddimer(1.2, "ug/mL", cutoff=0.5, when=c.ago(hours=1))
    c.procedure(APPENDECTOMY, c.ago(days=5000))
    return c.bundle(
        "39-year-old man, right calf pain, Wells 0, D-dimer 1.2 ug/mL FEU (cut-off 0.5): positive,"
        " proximal leg vein ultrasound.",
        "patient-view",
    )


@case
def dvt_ddimer_ddu_positive() -> Resource:
    c = chart("dvt-ddimer-ddu-positive")
    gp_visit(c, "Aisha", "Rahman", "female", born(c, 45, 33))
    c.condition(KNEE_OA, onset=c.ago(days=1200))
    leg_pain(c, "left", 2)
    exam(c, "left", calf=(36.0, 35.5), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=76, spo2=98, rr=14, temp=36.7)
    c.ddimer(400, "ng/mL", kind="DDU", cutoff=230, when=c.ago(hours=1, minutes=30))
    return c.bundle(
        "45-year-old woman, left calf pain, Wells 0, D-dimer 400 ng/mL DDU (assay cut-off 230 "
        "DDU): positive; read as FEU it would wrongly look negative.",
        "patient-view",
    )


@case
def dvt_ddimer_entered_in_error() -> Resource:
    c = chart("dvt-ddimer-entered-in-error")
    gp_visit(c, "Mateo", "Fernández", "male", born(c, 36, 80))
    leg_pain(c, "right", 1)
    exam(c, "right", calf=(38.0, 37.5), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=66, spo2=99, rr=12, temp=36.5)
    c.ddimer(210, "ng/mL", cutoff=500, when=c.ago(hours=2), status="entered-in-error")
    return c.bundle(
        "36-year-old man, right calf pain, Wells 0; the only D-dimer (negative) was entered in "
        "error: no valid D-dimer, still needs one.",
        "patient-view",
    )


@case
def dvt_ddimer_age_50_adjusted() -> Resource:
    c = chart("dvt-ddimer-age-50-adjusted")
    gp_visit(c, "Brigitte", "Schneider", "female", born(c, 50))
    c.condition(LIPIDS, onset=c.ago(days=900))
    leg_pain(c, "left", 2)
    exam(c, "left", calf=(36.5, 36.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=72, spo2=98, rr=14, temp=36.6)
    c.ddimer(505, "ng/mL", cutoff=500, when=c.ago(hours=1))
    return c.bundle(
        "Woman aged exactly 50 today, Wells 0, D-dimer 505 ng/mL FEU with age adjustment on: no "
        "adjustment at 50 (only over 50), positive, ultrasound.",
        "patient-view",
        settings={"CDS_AGE_ADJUSTED_DDIMER": "true"},
    )


def _age_72(c: object) -> None:
    from tests.fakes.fixture_builders import Chart

    assert isinstance(c, Chart)
    gp_visit(c, "Walter", "Krüger", "male", born(c, 72, 140))
    c.condition(HYPERTENSION, onset=c.ago(days=5000))
    leg_pain(c, "right", 2, note="Felt a twinge in the right calf while gardening")
    exam(c, "right", calf=(36.5, 36.0), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=97, rr=14, temp=36.6)
    c.ddimer(650, "ng/mL", cutoff=500, when=c.ago(hours=1))
    c.medication(AMLODIPINE, c.ago(days=500), "10 mg once daily")


@case
def dvt_ddimer_age_72_default() -> Resource:
    c = chart("dvt-ddimer-age-72-default")
    _age_72(c)
    return c.bundle(
        "72-year-old man, right calf pain, Wells 0, D-dimer 650 ng/mL FEU, default settings (no "
        "age adjustment): positive against 500, ultrasound.",
        "patient-view",
    )


@case
def dvt_unlikely_age_72_adjusted() -> Resource:
    c = chart("dvt-unlikely-age-72-adjusted")
    _age_72(c)
    return c.bundle(
        "Same 72-year-old with age-adjusted D-dimer on: cut-off 720 ng/mL FEU, 650 is negative, "
        "DVT unlikely; no muscle, cramp or nerve finding documented.",
        "patient-view",
        settings={"CDS_AGE_ADJUSTED_DDIMER": "true"},
    )


@case
def dvt_ddimer_after_anticoagulation() -> Resource:
    c = chart("dvt-ddimer-after-anticoagulation")
    gp_visit(c, "Lena", "Hoffmann", "female", born(c, 47, 5))
    leg_pain(c, "left", 2)
    exam(c, "left", calf=(36.0, 35.6), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=74, spo2=98, rr=14, temp=36.7)
    c.medication(APIXABAN, c.ago(hours=20), "10 mg twice daily (interim, pending scan)")
    c.ddimer(300, "ng/mL", cutoff=500, when=c.ago(hours=2))
    return c.bundle(
        "47-year-old woman, left calf pain, Wells 0, interim apixaban started yesterday, D-dimer "
        "taken today after anticoagulation: that negative result does not count.",
        "patient-view",
    )


@case
def dvt_ddimer_old_negative_ddimer() -> Resource:
    c = chart("dvt-ddimer-old-negative-ddimer")
    gp_visit(c, "Samuel", "Okonkwo", "male", born(c, 38, 300))
    leg_pain(c, "right", 1)
    exam(c, "right", calf=(37.0, 36.8), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=64, spo2=99, rr=12, temp=36.6)
    c.ddimer(0.25, "mg/L", cutoff=0.5, when=c.ago(days=95))
    return c.bundle(
        "38-year-old man, right calf pain since yesterday, Wells 0; the only D-dimer (negative) is"
        " from 3 months ago, before this episode: a new D-dimer is needed.",
        "patient-view",
    )


@case
def dvt_outside_pathway_pregnancy() -> Resource:
    c = chart("dvt-outside-pathway-pregnancy")
    gp_visit(c, "Hannah", "Kowalczyk", "female", born(c, 31, 180))
    c.condition(PREGNANCY, PREGNANT_Z, onset=c.ago(days=168), text="Pregnant, 24 weeks")
    leg_pain(c, "left", 2)
    exam(c, "left", pitting=True, calf=(37.5, 36.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=88, spo2=99, rr=16, temp=36.8)
    return c.bundle(
        "31-year-old woman, 24 weeks pregnant, left calf pain and swelling: outside NICE NG158, "
        "specialist (obstetric) assessment, not Wells.",
        "patient-view",
    )


@case
def dvt_outside_pathway_under_18() -> Resource:
    c = chart("dvt-outside-pathway-under-18")
    gp_visit(c, "Finn", "O'Sullivan", "male", born(c, 16, 90))
    leg_pain(c, "right", 1, note="Pain after football training")
    exam(c, "right", calf=(33.0, 32.5), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=70, spo2=99, rr=14, temp=36.6)
    return c.bundle(
        "16-year-old boy, right calf pain after football: under 18, outside NICE NG158, paediatric"
        " assessment route.",
        "patient-view",
    )


@case
def heart_failure_bilateral_swelling() -> Resource:
    c = chart("heart-failure-bilateral-swelling")
    gp_visit(c, "Arthur", "Pemberton", "male", born(c, 78, 250))
    c.condition(HEART_FAILURE, onset=c.ago(days=1100), text="HFpEF")
    c.condition(HYPERTENSION, onset=c.ago(days=9000))
    c.finding(
        SWELL_BILAT, True, "bilateral", site="lower_limb", text="Both ankles and shins swollen"
    )
    c.finding(PITTING, True, "bilateral", text="Pitting oedema to mid-shin, both legs")
    c.calf(38.0, 38.3, "right")
    c.finding(SWELL_LOWER_LEG, True, "bilateral", text="Symmetrical lower-leg swelling")
    no_pe_symptoms(c)
    c.vitals(hr=78, spo2=95, rr=16, temp=36.5)
    c.medication(FUROSEMIDE, c.ago(days=700), "40 mg each morning")
    return c.bundle(
        "78-year-old man with heart failure and symmetrical bilateral pitting ankle oedema, no "
        "calf pain: not a unilateral DVT picture, no DVT card.",
        "patient-view",
    )


@case
def dvt_ddimer_history_of_cancer() -> Resource:
    c = chart("dvt-ddimer-history-of-cancer")
    gp_visit(c, "Margaret", "Oduya", "female", born(c, 61, 17))
    c.condition(
        HX_CANCER,
        (ICD, "Z85.3", "Personal history of malignant neoplasm of breast"),
        onset=c.ago(days=3650),
        text="Breast cancer 2015, treatment completed 2016",
    )
    c.condition(
        CANCER,
        (ICD, "C50.912", "Malignant neoplasm of unspecified site of left female breast"),
        onset=c.ago(days=3650),
        abated=c.ago(days=3300),
        clinical="resolved",
    )
    leg_pain(c, "left", 2)
    exam(c, "left", calf=(36.0, 35.6), swelling=False)
    no_pe_symptoms(c)
    c.vitals(hr=72, spo2=98, rr=14, temp=36.6)
    return c.bundle(
        "61-year-old woman, breast cancer treated 10 years ago (Z85 history, resolved C50), left "
        "calf pain, normal examination: not active cancer, Wells 0, D-dimer.",
        "patient-view",
    )


@case
def missing_data_wells_range() -> Resource:
    c = chart("missing-data-wells-range")
    gp_visit(c, "Deborah", "Lachance", "female", born(c, 55, 61))
    c.condition(HYPERTENSION, onset=c.ago(days=3000))
    leg_pain(c, "left", 1, note="Phone triage: painful left calf, not yet examined")
    c.medication(AMLODIPINE, c.ago(days=400), "5 mg once daily")
    return c.bundle(
        "55-year-old woman with left calf pain reported, no examination documented: Wells is a "
        "range (0 documented, up to 5), cannot call DVT unlikely; examine.",
        "patient-view",
    )


@case
def alt_diagnosis_bakers_cyst_differential() -> Resource:
    c = chart("alt-diagnosis-bakers-cyst-differential")
    gp_visit(c, "Gerald", "Whitmore", "male", born(c, 63, 44))
    c.condition(KNEE_OA, onset=c.ago(days=2000))
    c.condition(
        BAKER_LEFT,
        onset=c.ago(days=2),
        category="encounter-diagnosis",
        side="left",
        site="knee",
        verification="differential",
        current=True,
        text="?Ruptured Baker's cyst, left",
    )
    leg_pain(c, "left", 2)
    exam(c, "left", tender=True, pitting=True, calf=(38.0, 36.5), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=80, spo2=97, rr=14, temp=36.8)
    return c.bundle(
        "63-year-old man, left calf pain, tenderness and pitting oedema; ruptured Baker's cyst "
        "only a differential: -2 not applied, Wells 2 likely (0 if asserted, flagged).",
        "patient-view",
    )


@case
def dvt_ddimer_asserted_alternative() -> Resource:
    c = chart("dvt-ddimer-asserted-alternative")
    gp_visit(c, "Yusuf", "Demir", "male", born(c, 48, 190))
    c.condition(
        BAKER_LEFT,
        onset=c.ago(days=1),
        category="encounter-diagnosis",
        side="left",
        site="knee",
        current=True,
        text="Ruptured Baker's cyst, left (clinical diagnosis)",
    )
    leg_pain(c, "left", 1)
    exam(c, "left", tender=True, calf=(38.5, 35.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=76, spo2=98, rr=14, temp=36.7)
    return c.bundle(
        "48-year-old man, left calf pain, tenderness, calf +3.5 cm; clinician diagnosed a ruptured"
        " Baker's cyst this visit: Wells 2 - 2 = 0, DVT unlikely so far, D-dimer.",
        "patient-view",
    )


@case
def dvt_likely_ddimer_ordered() -> Resource:
    c = chart("dvt-likely-ddimer-ordered")
    gp_visit(c, "Patricia", "Nwosu", "female", born(c, 70, 8))
    c.condition(
        CANCER,
        (ICD, "C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
        onset=c.ago(days=60),
        text="Lung cancer on immunotherapy",
    )
    c.procedure(KNEE_REPLACEMENT, c.ago(days=400), side="right")
    leg_pain(c, "left", 2)
    exam(c, "left", tender=True, pitting=True, calf=(38.0, 36.0), swelling=True)
    no_pe_symptoms(c)
    c.vitals(hr=84, spo2=97, rr=15, temp=36.9)
    from tests.fakes.fixture_cases import DDIMER_ORDER, LAB_CATEGORY

    c.draft_service(DDIMER_ORDER, LAB_CATEGORY, reason="Left calf pain, ?DVT", selected=True)
    return c.bundle(
        "70-year-old woman with lung cancer, tender left calf with pitting oedema (Wells 3, "
        "likely) and a D-dimer selected: suggest the proximal ultrasound instead.",
        "order-select",
    )


_ = (DIABETES, SWELL_LOWER_LEG)
