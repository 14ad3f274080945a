"""One claim per Medicare edit that makes exactly that edit fire on one line.

``SCENARIOS[edit_id]()`` returns ``(case, claim, code)``: the edit fires on the line of
*code* under Medicare, and must not under a pack that switches it off.
"""

from __future__ import annotations

from collections.abc import Callable

from casebuilder import DOS, TRIAL_DAY, D, Patient, trial_candidate

from scs_workflow import Case
from scs_workflow.claims import Claim

from .conftest import claim, line

IMPLANT = D(2026, 4, 6)  # the builder's default implant day
LATER = D(2026, 9, 1)  # well after every global period and the first month
UTN_DAY = D(2026, 3, 20)

Scenario = Callable[[], tuple[Case, Claim, str]]


def trialled() -> Patient:
    """A successful trial on TRIAL_DAY (2026-03-02, seven days)."""
    return trial_candidate().trial()


def implanted(approach: str = "percutaneous") -> Patient:
    return trialled().implanted(IMPLANT, approach=approach)


def with_utn(p: Patient, *, day: D = UTN_DAY, units: int = 2, code: str = "63650", **extra: object) -> Patient:
    fields: dict[str, object] = {"number": "UTN00000000001", "program": "medicare_opd",
                                 "services": [{"code": code, "units": units}], "valid_from": day, "setting": "hopd"}
    fields.update(extra)
    return p.event("authorization", day, **fields)


def two_trials(leads: tuple[int, int], regions: tuple[str, str]) -> Patient:
    """Two trials the pathway accepts: the first failed for technical reasons, so a second followed."""
    p = trial_candidate()
    p.trial(start=D(2025, 3, 2), leads=leads[0], region=regions[0], technical_failure=True)
    return p.trial(start=D(2025, 9, 1), leads=leads[1], region=regions[1])


SCENARIOS: dict[str, Scenario] = {
    "lead_limit_units": lambda: (trialled().case(), claim(DOS, "63650x3:permanent"), "63650"),
    "lead_limit_contacts": lambda: (trialled().case(), claim(DOS, line("63650x2:permanent", contacts=17)), "63650"),
    "units_count_arrays": lambda: (trialled().implanted(DOS).case(), claim(DOS, "63650:permanent", "63685"), "63650"),
    "mue": lambda: (implanted().case(), claim(LATER, "63688x2"), "63688"),
    "trials_per_region": lambda: (two_trials((1, 1), ("thoracic", "thoracic")).case(),
                                  claim(DOS, line("63650:trial", region="thoracic")), "63650"),
    "trial_units_lifetime": lambda: (two_trials((2, 2), ("thoracic", "lumbar")).case(),
                                     claim(DOS, line("63650:trial", region="thoracic")), "63650"),
    "paddle_once_per_lifetime": lambda: (implanted("paddle").case(), claim(LATER, "63655"), "63655"),
    "analysis_with_programming": lambda: (implanted().case(), claim(LATER, "95970", "95972"), "95970"),
    "perc_revision_includes_removal": lambda: (implanted().case(), claim(LATER, "63661", "63663"), "63661"),
    "paddle_revision_includes_removal": lambda: (implanted("paddle").case(), claim(LATER, "63662", "63664"),
                                                 "63662"),
    "generator_replacement_includes_removal": lambda: (implanted().case(), claim(LATER, "63688", "63685"), "63688"),
    "no_generator_on_trial": lambda: (trial_candidate().case(), claim(TRIAL_DAY, "63650x2", "63685"), "63685"),
    "integrated_replaces_conventional": lambda: (trialled().case(), claim(DOS, "0784T", "63685"), "63685"),
    "test_stimulation_part_of_placement": lambda: (trialled().implanted(DOS).case(), claim(DOS, "95972"), "95972"),
    "staged_implant_in_trial_global": lambda: (trialled().case(), claim(D(2026, 3, 12), "63650x2:permanent"),
                                               "63650"),
    "complication_return_in_global": lambda: (implanted().event("complication", D(2026, 4, 10), kind="lead_migration")
                                              .case(), claim(D(2026, 4, 12), "63663"), "63663"),
    "em_on_surgery_day": lambda: (trialled().implanted(DOS).case(), claim(DOS, "63650x2:permanent", "99213"), "99213"),
    "no_laterality_modifiers": lambda: (trialled().case(), claim(DOS, line("63685", modifiers=["LT"])), "63685"),
    "programming_once_per_30_days": lambda: (implanted().programmed(D(2026, 6, 1)).case(),
                                             claim(D(2026, 6, 30), "95972"), "95972"),
    "removal_revision_not_in_office": lambda: (implanted().case(), claim(LATER, "63661", pos="office"), "63661"),
    "permanent_implant_in_facility": lambda: (trialled().case(), claim(DOS, "63650x2:permanent", pos="office"),
                                              "63650"),
    "implant_operative_report": lambda: (trialled().case(), claim(DOS, "63650x2:permanent"), "63650"),
    "fluoroscopy_included": lambda: (trial_candidate().case(), claim(TRIAL_DAY, "63650x2", "77003"), "77003"),
    "supply_code_of_the_setting": lambda: (trialled().case(), claim(DOS, line("63650x2:permanent", contacts=16),
                                                                    "63685", "C1778x2"), "C1778"),
    "electrode_supply_units": lambda: (trialled().case(), claim(DOS, line("63650:permanent", contacts=8), "L8680x9"),
                                       "L8680"),
    "electrode_supply_limit": lambda: (trialled().case(), claim(DOS, line("63650x2:permanent", contacts=17),
                                                                "L8680x17"), "L8680"),
    "lead_supply_with_lead_procedure": lambda: (trialled().case(), claim(DOS, "63685", "L8680x16"), "L8680"),
    "generator_supply_with_generator_procedure": lambda: (trialled().case(), claim(DOS, "63650x2:permanent", "L8687"),
                                                          "L8687"),
    "extension_with_implant": lambda: (implanted().case(), claim(LATER, "C1883", pos="hopd"), "C1883"),
    "external_components_replacement_only": lambda: (trialled().case(), claim(DOS, "63650x2:permanent", "63685",
                                                                              "L8689"), "L8689"),
    "fluoroscopy_needs_primary": lambda: (implanted().case(), claim(LATER, "77003"), "77003"),
    "opd_pa_on_file": lambda: (trialled().case(), claim(DOS, "63650x2:permanent", pos="hopd"), "63650"),
    "opd_utn_on_claim": lambda: (with_utn(trialled()).case(), claim(DOS, "63650x2:permanent", pos="hopd"), "63650"),
    "opd_utn_validity": lambda: (with_utn(trialled(), day=D(2025, 11, 1)).case(),
                                 claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN00000000001"), "63650"),
    "opd_utn_format": lambda: (with_utn(trialled(), number="UTN-0001").case(),
                               claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN-0001"), "63650"),
    "authorized_number": lambda: (with_utn(trialled()).case(),
                                  claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN99999999999"), "63650"),
    "authorized_code": lambda: (with_utn(with_utn(trialled(), code="63685", number="OTHER00000000"), day=D(2026, 3, 1))
                                .case(), claim(DOS, "63650x2:permanent", pos="hopd", auth="OTHER00000000"), "63650"),
    "authorized_units": lambda: (with_utn(trialled(), units=1).case(),
                                 claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN00000000001"), "63650"),
    "authorized_period": lambda: (with_utn(trialled(), valid_to=D(2026, 3, 31)).case(),
                                  claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN00000000001"), "63650"),
    "authorized_setting": lambda: (with_utn(trialled(), setting="asc").case(),
                                   claim(DOS, "63650x2:permanent", pos="hopd", auth="UTN00000000001"), "63650"),
}
