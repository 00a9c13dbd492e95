"""Coding systems and the code arithmetic that is not plain equality.

SNOMED CT, LOINC and local codes match on system + code exactly (LOINC 2157-6 is also a CDC race
code, clinical-basis §2.3). ICD-10-CM and ATC are hierarchical: a list entry ``I82.4`` must match
``I82.402`` and ``B01AF`` must match ``B01AF02``. ICD-10-CM hierarchy comes from the official CMS
tabular bundled in ``simple_icd_10_cm`` (clinical-basis §5.1); ATC hierarchy is positional by design
(WHO ATC levels of 1, 3, 4, 5 and 7 characters).
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from fhir_mappings.features import Laterality

with warnings.catch_warnings():
    # simple_icd_10_cm 1.5 loads its tabular with importlib.resources.read_text (deprecated in
    # 3.11); the warning is the package's, harmless, and would fail our warnings-as-errors tests.
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as icd

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOCAL_OBSERVATIONS = "https://calf-triage.example.org/fhir/CodeSystem/local-observations"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

KNOWN_SYSTEMS = frozenset({SNOMED, ICD10CM, LOINC, ATC, RXNORM, LOCAL_OBSERVATIONS})

# Coded answers a finding Observation may carry as its value (flowsheets and structured exam
# templates write "Yes" / "No" rather than valueBoolean); sources in valuesets/SOURCES.md, ANSWERS:
# LOINC answer list LL2817-6 (HL7 SDC IG), SNOMED CT qualifier values (yes / no / unknown sets of
# the HL7 New Zealand and HL7 Germany guides; DICOM CID 240 Present-Absent; a present / absent /
# unknown set), HL7 v2 table 0136 (THO v2-0532 and its older system).
ANSWER_YES: frozenset[tuple[str, str]] = frozenset(
    {
        (LOINC, "LA33-6"),
        (SNOMED, "373066001"),
        (SNOMED, "52101004"),
        ("http://terminology.hl7.org/CodeSystem/v2-0532", "Y"),
        ("http://terminology.hl7.org/CodeSystem/v2-0136", "Y"),
    }
)
ANSWER_NO: frozenset[tuple[str, str]] = frozenset(
    {
        (LOINC, "LA32-8"),
        (SNOMED, "373067005"),
        (SNOMED, "2667000"),
        (SNOMED, "272519000"),
        ("http://terminology.hl7.org/CodeSystem/v2-0532", "N"),
        ("http://terminology.hl7.org/CodeSystem/v2-0136", "N"),
    }
)
ANSWER_UNKNOWN: frozenset[tuple[str, str]] = frozenset(
    {(LOINC, "LA4489-6"), (SNOMED, "261665006"), (SNOMED, "373068000")}
)

# Laterality qualifiers (SNOMED CT; Belgian eHealth ValueSet be-vs-laterality)
LATERALITY_CODES: dict[str, Laterality] = {
    "7771000": Laterality.LEFT,
    "24028007": Laterality.RIGHT,
    "51440002": Laterality.BILATERAL,
}

_ATC_LEVELS = (1, 3, 4, 5, 7)
_WORD_RIGHT = re.compile(r"\bright\b", re.IGNORECASE)
_WORD_LEFT = re.compile(r"\bleft\b", re.IGNORECASE)
_WORD_BILATERAL = re.compile(r"\bbilateral\b|\bboth\b", re.IGNORECASE)


def icd_normalise(code: str) -> str:
    """Upper-case, trimmed, dotted form ("i82402" -> "I82.402"); blocks/chapters unchanged."""
    text = code.strip().upper()
    if "." not in text and "-" not in text and len(text) > 3 and text[:1].isalpha():
        return f"{text[:3]}.{text[3:]}"
    return text


def icd_is_valid(code: str) -> bool:
    """True when the code (category, subcategory, block or chapter) is in the CMS tabular."""
    try:
        return bool(icd.is_valid_item(icd_normalise(code)))
    except Exception:  # the package raises on odd input; invalid is the honest answer
        return False


@lru_cache(maxsize=8192)
def icd_lineage(code: str) -> tuple[str, ...]:
    """The code and every ancestor (block and chapter included), all in dotted form.

    A code the tabular does not know (retired, mistyped, site extension) falls back to its
    dotted prefixes, so ``I82.4XX`` still matches an ``I82.4`` entry; the caller notes it.
    """
    norm = icd_normalise(code)
    if icd_is_valid(norm):
        return (norm, *(str(a) for a in icd.get_ancestors(norm)))
    compact = norm.replace(".", "")
    prefixes = [icd_normalise(compact[:n]) for n in range(len(compact), 2, -1)]
    return tuple(dict.fromkeys(prefixes))


@lru_cache(maxsize=4096)
def icd_laterality(code: str) -> Laterality | None:
    """Laterality from the official description (the laterality character, clinical-basis §2.2).

    Reading the description rather than a character position keeps codes such as G83.11
    ("right dominant side") and R22.43 ("lower limb, bilateral") right.
    """
    norm = icd_normalise(code)
    if not icd_is_valid(norm):
        return None
    try:
        text = str(icd.get_description(norm))
    except Exception:
        return None
    has_right, has_left = bool(_WORD_RIGHT.search(text)), bool(_WORD_LEFT.search(text))
    if _WORD_BILATERAL.search(text) or (has_right and has_left):
        return Laterality.BILATERAL
    if has_right:
        return Laterality.RIGHT
    if has_left:
        return Laterality.LEFT
    return None


def atc_lineage(code: str) -> tuple[str, ...]:
    """The ATC code and its parent levels ("B01AF02" -> B01AF02, B01AF, B01A, B01, B)."""
    text = code.strip().upper()
    return tuple(text[:n] for n in reversed(_ATC_LEVELS) if n <= len(text))
