"""Card summaries: one sentence, under 140 characters, finding first, then the action.

All summary wording lives here so it can be reviewed (and listed in the report) in one place.
Values are passed in already formatted; ``builders.fit_summary`` is the final length guard.
The guideline timings and cut-offs quoted here ("within 4 h", "72 h", "Wells ≥ 2", "under 18")
are the values named in ``cds/triage/thresholds.py`` (with their CLINICAL.md sources); this pure
layer cannot import them, so ``tests/cards/test_summary_thresholds.py`` pins each quoted number
to its named threshold and fails if one changes without the other.
"""

from __future__ import annotations


def pe_emergency(signs: str, setting: str = "leg symptoms") -> str:
    return f"Possible pulmonary embolism ({setting} with {signs}): emergency assessment now"


def cauda_equina(features: str) -> str:
    return f"Possible cauda equina syndrome ({features}): refer to hospital now, MRI within 4 h"


def compartment_syndrome(features: str) -> str:
    return f"Possible compartment syndrome ({features}): emergency orthopaedic assessment now"


def sudden_swelling(flag: str, score: str) -> str:
    return f"Red flag: {flag} (Wells {score}): same-day emergency assessment, ultrasound within 4 h"


def dvt_likely(score: str) -> str:
    return f"DVT likely (Wells {score}): proximal leg vein ultrasound within 4 h"


def dvt_likely_alternative(score: str, alternative_score: str) -> str:
    return (
        f"DVT likely (Wells {score}; {alternative_score} if the alternative diagnosis is "
        "judged as likely): ultrasound within 4 h"
    )


def ddimer_needed(score: str) -> str:
    return f"DVT unlikely (Wells {score}): D-dimer now, result within 4 h; ultrasound if positive"


def criteria(count: int) -> str:
    return f"{count} criterion" if count == 1 else f"{count} criteria"


def ddimer_needed_undetermined(score: str, undocumented: int) -> str:
    # Wells is applied after history and examination, never the D-dimer first (S8, MDCalc
    # quoting Dr Wells): the undocumented criteria come first, then the test the score asks for.
    return (
        f"Wells {score} so far ({criteria(undocumented)} undocumented): examine and document, "
        "then D-dimer if ≤ 1, ultrasound if ≥ 2"
    )


def ddimer_unreliable(score: str) -> str:
    return (
        f"DVT not excluded (Wells {score}) and on anticoagulation, so a D-dimer is unreliable: "
        "leg vein ultrasound"
    )


def ddimer_positive(value: str, score: str) -> str:
    return f"D-dimer positive ({value}), Wells {score}: proximal leg vein ultrasound within 4 h"


def ddimer_negative_undetermined(score: str, undocumented: int) -> str:
    return (
        f"D-dimer negative but Wells {score} is incomplete: document {criteria(undocumented)}; "
        "ultrasound if Wells ≥ 2"
    )


def ddimer_preliminary(score: str) -> str:
    return (
        f"Wells {score}, D-dimer negative but preliminary: await the final result before ruling out"
    )


def outside_pregnancy() -> str:
    return (
        "Suspected DVT in pregnancy or postpartum: outside NICE NG158, same-day specialist review"
    )


def outside_age(age: int) -> str:
    return f"Suspected DVT at age {age}: under 18 is outside NICE NG158, specialist assessment"


def muscle_strain() -> str:
    return "Calf muscle strain, DVT made unlikely: RICE and analgesia for 72 h, then graded return"


def achilles_rupture() -> str:
    return "Possible Achilles tendon rupture: same-day A&E or orthopaedic assessment"


def cramp_abnormal(findings: str) -> str:
    return f"Leg cramp with {findings}: treat the cause and review drugs that cause cramp"


def cramp_no_labs() -> str:
    return "Leg cramp with no recent bloods: check electrolytes, magnesium, calcium and CK"


def cramp_normal() -> str:
    return (
        "Leg cramp, recent electrolytes not low: stretching advice; review drugs that cause cramp"
    )


def sciatica() -> str:
    return (
        "Sciatica: keep active, NICE NG59 exercise programme; safety-net for cauda equina symptoms"
    )


def physio_referral(reason: str) -> str:
    return f"Calf or leg pain {reason}: refer to musculoskeletal physiotherapy"


def order_while_not_excluded(order: str, action: str) -> str:
    return f"{order} ordered while DVT is not excluded: {action} first (NICE NG158)"


def ddimer_order_when_likely(score: str) -> str:
    return (
        f"D-dimer ordered but DVT likely (Wells {score}): order a proximal leg vein ultrasound too"
    )
