"""Device supplies and fluoroscopy on a claim: lines without a gate, judged by the edits.

The coding page of 63650: "Fluoroscopic guidance is inherent to the procedure and not separately
reported", and "This code does not include the costs associated with the neurostimulator device":
the device is billed on its own line, a C-code in the hospital outpatient department, an L-code
elsewhere (codes.yaml, family ``supply``).
"""

from __future__ import annotations

import pytest
from casebuilder import DOS, TRIAL_DAY, D, trial_candidate

from scs_workflow import Engine, RequestError, ServiceLine, UnknownCode
from scs_workflow.engine.decision import Outcome
from scs_workflow.model.errors import ClaimOnlyCode
from scs_workflow.policy.codes import default_catalog

from .conftest import check, claim, finding, fired, line
from .scenarios import LATER, implanted, trialled, with_utn

PERMANENT = line("63650x2:permanent", contacts=16)


def implanted_today():
    """A successful trial; the permanent implant (2 leads, 16 contacts, and a generator) recorded on DOS."""
    return trialled().implanted(DOS)


# --- fluoroscopy -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["77003", "77002"])
def test_fluoroscopy_with_63650_is_included(code):
    result = check(trial_candidate().case(), claim(TRIAL_DAY, "63650x2", code))
    f = finding(result, code, "fluoroscopy_included")
    assert f.outcome == "deny" and "included in 63650 (line 1)" in f.message
    assert result.for_code(code).outcome is Outcome.DENY
    assert result.for_code("63650").outcome is Outcome.APPROVE


def test_fluoroscopy_on_the_day_a_trial_is_recorded_is_included():
    case = trial_candidate().trial(start=TRIAL_DAY).case()
    assert "fluoroscopy_included" in fired(check(case, claim(TRIAL_DAY, "77003")), "77003")


def test_fluoroscopy_with_a_percutaneous_revision_is_included():
    assert "fluoroscopy_included" in fired(check(implanted().case(), claim(LATER, "63663", "77003")), "77003")


def test_fluoroscopy_on_a_different_day_is_not_refused():
    result = check(trialled().case(), claim(D(2026, 3, 3), "77003"))  # the trial was placed the day before
    assert "fluoroscopy_included" not in fired(result, "77003")
    assert result.for_code("77003").outcome is Outcome.PEND  # an add-on without its primary here
    assert fired(result, "77003") == {"fluoroscopy_needs_primary"}


# --- device supplies are accepted with their procedure ------------------------------------------


def test_claim_with_l8680_is_accepted():
    result = check(implanted_today().case(), claim(DOS, PERMANENT, "63685", "L8680x16", "L8687", pos="asc"))
    assert [(ln.code, ln.outcome.value) for ln in result.lines] == [
        ("63650", "approve"), ("63685", "approve"), ("L8680", "approve"), ("L8687", "approve")]
    supply = result.for_code("L8680")
    assert supply.gate is None and not supply.requires_clinical_review and supply.family == "supply"


def test_claim_with_c1778_in_hopd_is_accepted():
    case = with_utn(implanted_today()).case()
    c = claim(DOS, PERMANENT, "63685", "C1778x2", "C1820", "C1787", pos="hopd", auth="UTN00000000001")
    result = check(case, c)
    assert result.outcome is Outcome.APPROVE, [(ln.code, ln.todo) for ln in result.lines]


def test_the_example_claim_with_devices_bills_fluoroscopy_that_is_included():
    from scs_workflow import load_case
    from scs_workflow.claims import check_claim, load_claim

    result = check_claim(load_case("examples/claims/case-fbss-hopd.json"),
                         load_claim("examples/claims/permanent-implant-with-devices.json"))
    assert [(ln.code, ln.outcome.value) for ln in result.lines] == [
        ("63650", "approve"), ("63685", "approve"), ("C1778", "approve"), ("C1820", "approve"), ("77003", "deny")]


# --- the code set of the setting ------------------------------------------------------------------


def test_c_code_outside_hopd_is_refused():
    result = check(implanted_today().case(), claim(DOS, PERMANENT, "63685", "C1778x2", pos="asc"))
    f = finding(result, "C1778", "supply_code_of_the_setting")
    assert f.outcome == "deny" and "billed in asc" in f.message and "L8680" in f.message
    assert f.verified is False  # which setting bills which code set is [M] in the domain notes


def test_l_code_in_hopd_is_refused():
    case = with_utn(implanted_today()).case()
    c = claim(DOS, PERMANENT, "63685", "L8680x16", "L8687", pos="hopd", auth="UTN00000000001")
    result = check(case, c)
    assert "supply_code_of_the_setting" in fired(result, "L8680")
    assert "C1778" in finding(result, "L8680", "supply_code_of_the_setting").message
    assert "C1820" in finding(result, "L8687", "supply_code_of_the_setting").message


@pytest.mark.parametrize("pack", ["aetna", "cigna"])
def test_commercial_packs_do_not_refuse_a_device_for_its_code_set(pack):
    case = trialled().implanted(DOS).case().model_copy(update={"policy": pack})
    result = check(case, claim(DOS, PERMANENT, "63685", "C1778x2", pos="asc"))
    assert "supply_code_of_the_setting" not in fired(result, "C1778")
    assert "supply_code_of_the_setting" in result.edits_switched_off


# --- electrode units against the contacts and leads placed -------------------------------------------


def test_electrode_units_equal_to_the_contacts_placed_are_accepted():
    case = trial_candidate().trial(start=TRIAL_DAY, leads=1).case()  # one 8-contact lead recorded
    result = check(case, claim(TRIAL_DAY, "63650", "L8680x8", pos="office"))
    assert "electrode_supply_units" not in fired(result, "L8680")


def test_electrode_units_over_the_contacts_placed_are_refused():
    case = trial_candidate().trial(start=TRIAL_DAY, leads=1).case()
    result = check(case, claim(TRIAL_DAY, "63650", "L8680x9", pos="office"))
    f = finding(result, "L8680", "electrode_supply_units")
    assert f.outcome == "deny" and "9 contacts" in f.message and "placed 8 contacts" in f.message


def test_electrode_units_are_summed_across_lines():
    case = trial_candidate().trial(start=TRIAL_DAY, leads=1).case()
    result = check(case, claim(TRIAL_DAY, "63650", "L8680x4", "L8680x5", pos="office"))
    assert "electrode_supply_units" not in fired(result, "L8680", n=0)
    assert "electrode_supply_units" in fired(result, "L8680", n=1)


def test_electrode_units_are_counted_from_the_claim_when_no_record_is_on_the_case():
    c = claim(DOS, line("63650:permanent", contacts=8), "L8680x8")
    assert "electrode_supply_units" not in fired(check(trialled().case(), c), "L8680")
    c = claim(DOS, line("63650:permanent", contacts=8), "L8680x9")
    assert "electrode_supply_units" in fired(check(trialled().case(), c), "L8680")


def test_electrode_units_pend_when_no_one_documents_the_contacts():
    result = check(trialled().case(), claim(DOS, "63650x2:permanent", "63685", "L8680x16"))
    f = finding(result, "L8680", "electrode_supply_units")
    assert f.outcome == "pend" and f.action == "send_documentation" and "contacts" in f.message


@pytest.mark.parametrize(("units", "refused"), [(2, False), (3, True)])
def test_lead_supply_units_count_the_leads(units, refused):
    case = with_utn(implanted_today()).case()
    c = claim(DOS, PERMANENT, "63685", f"C1778x{units}", pos="hopd", auth="UTN00000000001")
    assert ("electrode_supply_units" in fired(check(case, c), "C1778")) is refused


@pytest.mark.parametrize(("units", "refused"), [(16, False), (17, True)])
def test_medicare_pays_at_most_16_electrode_units(units, refused):
    c = claim(DOS, line("63650x2:permanent", contacts=17), f"L8680x{units}")
    assert ("electrode_supply_limit" in fired(check(trialled().case(), c), "L8680")) is refused


# --- a supply goes with its procedure --------------------------------------------------------------


def test_generator_supply_without_63685_or_0784t_is_refused():
    result = check(trialled().case(), claim(DOS, PERMANENT, "L8687"))
    f = finding(result, "L8687", "generator_supply_with_generator_procedure")
    assert f.outcome == "deny" and "no 63685 or 0784T on this claim" in f.message


def test_generator_supply_with_an_integrated_system_is_accepted():
    case = trialled().event("integrated_implant", DOS, leads=1, contacts=8, location="T8", impedance_ohms=[640],
                            postoperative_plan=True, setting="asc").case()
    result = check(case, claim(DOS, "0784T", "L8687"))
    assert result.for_code("0784T").outcome is Outcome.APPROVE
    assert "generator_supply_with_generator_procedure" not in fired(result, "L8687")


def test_generator_supply_with_a_generator_implant_recorded_that_day_is_accepted():
    result = check(implanted_today().case(), claim(DOS, "L8687"))
    assert "generator_supply_with_generator_procedure" not in fired(result, "L8687")


def test_lead_supply_without_a_lead_procedure_is_refused():
    result = check(implanted().case(), claim(LATER, "L8680x8", pos="office"))
    assert "lead_supply_with_lead_procedure" in fired(result, "L8680")
    assert result.for_code("L8680").outcome is Outcome.DENY


def test_supply_follows_its_refused_procedure():
    # a permanent implant billed in the office is refused (L37632): its electrodes are refused with it
    result = check(implanted_today().case(), claim(DOS, PERMANENT, "L8680x16", pos="office"))
    assert result.for_code("63650").outcome is Outcome.DENY
    f = finding(result, "L8680", "lead_supply_with_lead_procedure")
    assert f.outcome == "deny" and "63650 (line 1), which is refused" in f.message


def test_supply_follows_a_procedure_refused_for_medical_necessity_without_clinical_review():
    # no trial yet: the permanent implant is denied at its gate; the device line follows, as coding
    result = check(trial_candidate().case(), claim(DOS, PERMANENT, "63685", "L8680x16", "L8687"))
    assert result.for_code("63650").requires_clinical_review
    for code in ("L8680", "L8687"):
        assert result.for_code(code).outcome is Outcome.DENY
        assert not result.for_code(code).requires_clinical_review


def test_supply_pends_with_its_pending_procedure():
    # the implant's operative report is not on the case: 63650 pends, and so does its electrode line
    result = check(trialled().case(), claim(DOS, PERMANENT, "63685", "L8680x16"))
    assert result.for_code("63650").outcome is Outcome.PEND
    f = finding(result, "L8680", "lead_supply_with_lead_procedure")
    assert f.outcome == "pend" and "pending" in f.message and f.action == "send_documentation"


def test_replacement_only_external_components_at_implant_are_part_of_the_generator():
    result = check(implanted_today().case(), claim(DOS, PERMANENT, "63685", "L8689"))
    assert "external_components_replacement_only" in fired(result, "L8689")


def test_a_replacement_charger_on_its_own_is_accepted():
    result = check(implanted().case(), claim(LATER, "L8689", pos="office"))
    assert result.for_code("L8689").outcome is Outcome.APPROVE


# --- input errors ----------------------------------------------------------------------------------


def test_unknown_hcpcs_is_still_an_input_error():
    with pytest.raises(UnknownCode):
        check(trialled().case(), claim(DOS, PERMANENT, "L8699"))


@pytest.mark.parametrize("code", ["L8680", "C1778", "77003"])
def test_decide_refuses_a_claim_only_code_as_input(code):
    """A PA request has no supply or imaging lines: decide refuses one clearly, never denies it."""
    with pytest.raises(ClaimOnlyCode, match="no medical-necessity gate") as err:
        Engine().decide(trialled().case(), [ServiceLine(code=code)], DOS)
    assert isinstance(err.value, RequestError) and err.value.code == "claim_only_code"


def test_the_catalog_gives_each_supply_its_setting_and_unit():
    codes = default_catalog().codes
    supplies = {c: i.supply for c, i in codes.items() if i.supply is not None}
    assert {c for c, s in supplies.items() if s.settings == ["hopd"]} == {c for c in supplies if c.startswith("C")}
    assert all("hopd" not in s.settings for c, s in supplies.items() if c.startswith("L"))
    assert supplies["L8680"].unit == "contact" and supplies["C1778"].unit == "lead"
    assert all(not codes[c].gated and codes[c].verified is False for c in supplies)


# --- the policy and the command line -----------------------------------------------------------------


def test_a_supply_edit_naming_a_procedure_code_is_a_policy_error(tmp_path):
    from scs_workflow import PolicyError

    from .conftest import pack_engine

    body = """edits:
  - id: my_supply_edit
    kind: supply_setting
    text: "device code set"
    cite: "test"
    confidence: D
    verified: false
    codes: ["63650"]
    action: correct_claim
"""
    with pytest.raises(PolicyError, match="63650 is not a device supply code"):
        pack_engine(tmp_path, body).library.get("testpack")


def test_decide_on_the_command_line_refuses_a_supply_code_with_exit_2():
    from click.testing import CliRunner

    from scs_workflow.cli import main

    result = CliRunner().invoke(main, ["decide", "examples/fbss-strong-trial.json", "--code", "L8680x16"])
    assert result.exit_code == 2 and "L8680 is a device supply code" in result.stderr


def test_a_gate_for_a_supply_code_is_a_policy_error(tmp_path):
    from scs_workflow import PolicyError
    from scs_workflow.policy.checks import check_policy

    from .conftest import pack_engine

    body = 'gates:\n  "L8680":\n    - {use: device, states: [candidate]}\n'
    try:
        policy = pack_engine(tmp_path, body).library.get("testpack")
    except PolicyError as err:
        problems = str(err)
    else:
        problems = "\n".join(str(p) for p in check_policy(policy))
    assert "gate for L8680, a claim-only supply code" in problems
