"""The model tells apart the twelve causes a clinician would expect it to (issue 4, item 2).

Each cause has one prototypical case written with inventory ids only (findings, risk
factors, emergency signs; age and sex allowed): what the articles say of the cause,
plus the answers a clinician routinely gets (does it go away on moving, one leg or
both, does it spread from the back). "One leg only" is answered as the vignettes do,
with both_legs = no (and the reverse), because the two questions are one question
asked two ways. The comment on each case names what in the articles it rests on. Where
the clinical extension adds the routine question or examination that tells a cause from
its look-alikes (the knee that gives way in femoral nerve damage, normal foot pulses
against artery disease), the case answers it as a clinician would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import extension_ids

import ddx

REPO_ROOT = Path(__file__).resolve().parents[2]
INVENTORY = Path(__file__).resolve().parents[3] / "shared" / "knowledge" / "inventory.yaml"
EVIDENCE_SECTIONS = ("findings", "risk_factors", "emergency_signs")

# cause -> (evidence, age, sex)
CASES: dict[str, tuple[dict[str, bool], int, str]] = {
    # 002 "What is the cause of leg numbness?": "sit in the same position", "usually goes away after you move around".
    "positional_compression": (
        {
            "after_sitting_or_lying_still": True,
            "resolves_on_moving": True,
            "long_lasting_or_frequent": False,
            "radiates_from_lower_back_down_leg": False,
            "leg_pain": False,
        },
        30,
        "female",
    ),
    # 001 "1.1. Sciatica": "originates in the lower back and radiates"; 000 "Pinched Nerve": "only in one leg".
    "sciatica": (
        {
            "radiates_from_lower_back_down_leg": True,
            "one_leg_only": True,
            "both_legs": False,
            "leg_pain": True,
            "back_pain": True,
            "resolves_on_moving": False,
        },
        45,
        "male",
    ),
    # 003 "Diabetes": "often begins in the toes and moves upward"; 001 "1.2.": "numbness, tingling, and burning".
    "peripheral_neuropathy": (
        {
            "both_legs": True,
            "one_leg_only": False,
            "starts_in_toes_moves_up": True,
            "burning_sensation": True,
            "long_lasting_or_frequent": True,
            "diabetes": True,
            "resolves_on_moving": False,
        },
        62,
        "male",
    ),
    # 003 "Peripheral artery disease": "hair loss and coldness of the lower legs"; 001 FAQ 5: older, higher risk of PAD.
    "peripheral_artery_disease": (
        {
            "leg_pain": True,
            "cold_lower_legs": True,
            "leg_hair_loss": True,
            "foot_or_heel_numbness": True,
            "radiates_from_lower_back_down_leg": False,
            "leg_swelling": False,
        },
        70,
        "male",
    ),
    # 001 "2.1. Deep vein thrombosis (DVT)": "pain, swelling, and a pins and needles"; "2.": "prolonged inactivity".
    "deep_vein_thrombosis": (
        {
            "leg_swelling": True,
            "leg_pain": True,
            "one_leg_only": True,
            "both_legs": False,
            "prolonged_inactivity": True,
            "resolves_on_moving": False,
        },
        55,
        "female",
    ),
    # 001 "3.2. Multiple Sclerosis": "fatigue, muscle weakness, and coordination difficulties"; no posture, not sudden.
    "multiple_sclerosis": (
        {
            "fatigue": True,
            "leg_weakness": True,
            "coordination_difficulty": True,
            "sudden_severe_onset": False,
            "after_sitting_or_lying_still": False,
            "radiates_from_lower_back_down_leg": False,
        },
        30,
        "female",
    ),
    # 003 "Pinched or damaged nerves": "numbness in the thigh", "skin sensation of the outer thigh becomes compressed".
    "meralgia_paresthetica": (
        {
            "outer_thigh_numbness": True,
            "thigh_or_knee_numbness": True,
            "one_leg_only": True,
            "both_legs": False,
            "radiates_from_lower_back_down_leg": False,
            "after_sitting_or_lying_still": False,
            "resolves_on_moving": False,
        },
        45,
        "male",
    ),
    # 003 "Pinched or damaged nerves": "compression to the tibial nerve in the heel", "numbness in the feet".
    "tarsal_tunnel_syndrome": (
        {
            "foot_or_heel_numbness": True,
            "one_leg_only": True,
            "both_legs": False,
            "radiates_from_lower_back_down_leg": False,
            "back_pain": False,
            "starts_in_toes_moves_up": False,
            "after_sitting_or_lying_still": False,
            "resolves_on_moving": False,
            "recent_injury_or_fall": False,
            "diabetes": False,
            # the routine examination of the foot (clinical extension): normal pulses
            "absent_foot_pulses": False,
        },
        45,
        "female",
    ),
    # 003 "Pinched or damaged nerves": "femoral nerve provides sensation to the thigh"; "thigh, knee, or entire leg".
    "femoral_nerve_damage": (
        {
            "thigh_or_knee_numbness": True,
            "one_leg_only": True,
            "both_legs": False,
            "radiates_from_lower_back_down_leg": False,
            "outer_thigh_numbness": False,
            "after_sitting_or_lying_still": False,
            "resolves_on_moving": False,
            "recent_injury_or_fall": False,
            # the routine question for the quadriceps (clinical extension)
            "knee_gives_way": True,
        },
        50,
        "male",
    ),
    # 003 "Frostbite": "prolonged exposure to extreme cold conditions"; 002: "frozen injury to the skin".
    "frostbite": (
        {
            "cold_exposure": True,
            "leg_color_shape_or_temperature_change": True,
            "cold_lower_legs": True,
            "foot_or_heel_numbness": True,
            "after_sitting_or_lying_still": False,
        },
        35,
        "male",
    ),
    # 002 "Common causes": "Shingles (a painful rash caused by the chickenpox virus)"; one-sided, older: judgement.
    "shingles": (
        {
            "rash": True,
            "leg_pain": True,
            "one_leg_only": True,
            "both_legs": False,
            "resolves_on_moving": False,
            "recent_injury_or_fall": False,
        },
        70,
        "female",
    ),
    # 001 FAQ 7: "sudden and severe pins and needles" with "weakness on one side"; 002 "Call 911": "slurred speech".
    "stroke": (
        {
            "sudden_severe_onset": True,
            "weakness_one_side_of_body": True,
            "slurred_speech": True,
            "one_leg_only": True,
            "both_legs": False,
        },
        72,
        "male",
    ),
}


@pytest.fixture(scope="module")
def engine() -> ddx.Engine:
    return ddx.load(REPO_ROOT)


def _top(engine: ddx.Engine, cause: str) -> list[Any]:
    evidence, age, sex = CASES[cause]
    return list(engine.diagnose(evidence, age=age, sex=sex).differential)


def test_there_is_one_case_per_cause(engine: ddx.Engine) -> None:
    assert len(CASES) == 12
    assert set(CASES) <= set(engine.kb.causes), "every case names a cause node of the model"


@pytest.mark.skipif(not INVENTORY.is_file(), reason=f"knowledge inventory not found at {INVENTORY}")
def test_cases_use_inventory_and_extension_ids_only() -> None:
    inv = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    known = {node_id for section in EVIDENCE_SECTIONS for node_id in inv.get(section) or {}}
    known |= set(extension_ids())
    assert set(CASES) <= set(inv["causes"])
    for cause, (evidence, _, _) in CASES.items():
        outside = sorted(set(evidence) - known)
        assert not outside, f"{cause}: ids in neither the inventory nor the clinical extension: {outside}"


@pytest.mark.parametrize("cause", list(CASES))
def test_prototypical_case_ranks_its_cause_first(engine: ddx.Engine, cause: str) -> None:
    differential = _top(engine, cause)
    top3 = ", ".join(f"{c.id} {c.probability:.3f}" for c in differential[:3])
    assert differential[0].id == cause, f"{cause} case: top 3 are {top3}"


def test_the_twelve_cases_have_twelve_different_top_causes(engine: ddx.Engine) -> None:
    tops = {cause: _top(engine, cause)[0].id for cause in CASES}
    assert len(set(tops.values())) == len(CASES), f"top-1 per case: {tops}"
