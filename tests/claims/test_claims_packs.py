"""Edits are policy data: every Medicare edit fires on its scenario, and a pack can switch it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from scs_workflow import Engine, PolicyError

from .conftest import check, fired, pack_engine
from .scenarios import SCENARIOS

MEDICARE_EDITS = list(Engine().library.get("medicare").edits)
#: A56876 / L37632 limits and the OPD prior-authorization program: Medicare's, switched off by the commercial packs
MEDICARE_ONLY = ["lead_limit_units", "lead_limit_contacts", "trials_per_region", "trial_units_lifetime",
                 "paddle_once_per_lifetime", "programming_once_per_30_days",
                 "removal_revision_not_in_office", "permanent_implant_in_facility", "supply_code_of_the_setting",
                 "electrode_supply_limit", "opd_pa_on_file",
                 "opd_utn_on_claim", "opd_utn_format", "opd_utn_validity"]


def test_every_medicare_edit_has_a_scenario():
    assert sorted(SCENARIOS) == sorted(MEDICARE_EDITS)


@pytest.mark.parametrize("edit_id", MEDICARE_EDITS)
def test_edit_fires_under_medicare(edit_id):
    case, c, code = SCENARIOS[edit_id]()
    assert edit_id in fired(check(case, c), code)


@pytest.mark.parametrize("edit_id", MEDICARE_EDITS)
def test_edit_is_silent_when_a_pack_switches_it_off(edit_id, switch_off):
    case, c, code = SCENARIOS[edit_id]()
    result = check(case, c, policy="testpack", engine=switch_off(edit_id))
    assert edit_id not in fired(result, code)
    assert edit_id in result.edits_switched_off and edit_id not in result.edits_checked


@pytest.mark.parametrize("pack", ["aetna", "cigna"])
@pytest.mark.parametrize("edit_id", MEDICARE_ONLY)
def test_commercial_packs_switch_off_medicare_only_edits(pack, edit_id):
    case, c, code = SCENARIOS[edit_id]()
    result = check(case, c, policy=pack)
    assert edit_id not in fired(result, code)
    assert edit_id in result.edits_switched_off


def test_remove_edits_drops_an_edit(tmp_path):
    engine = pack_engine(tmp_path, "remove_edits: [mue]\n")
    case, c, code = SCENARIOS["mue"]()
    result = check(case, c, policy="testpack", engine=engine)
    assert "mue" not in fired(result, code) and "mue" not in result.edits_switched_off


def test_a_pack_restating_an_edit_changes_its_numbers(tmp_path):
    engine = pack_engine(tmp_path, """edits:
  - id: lead_limit_units
    kind: max_units
    text: "At most 3 leads"
    cite: "test pack clause 1"
    confidence: D
    verified: false
    codes: ["63650"]
    max: 3
    action: correct_claim
""")
    case, c, code = SCENARIOS["lead_limit_units"]()  # 3 units
    assert "lead_limit_units" not in fired(check(case, c, policy="testpack", engine=engine), code)


def test_a_pack_changing_a_parameter_moves_the_edit_too(tmp_path):
    engine = pack_engine(tmp_path, "parameters: {max_leads: 3}\n")
    case, c, code = SCENARIOS["lead_limit_units"]()
    assert "lead_limit_units" not in fired(check(case, c, policy="testpack", engine=engine), code)


# --- a broken edit is a policy error, located at its file and line ---------------------------


def _load(tmp_path: Path, body: str) -> PolicyError:
    with pytest.raises(PolicyError) as err:
        pack_engine(tmp_path, body).library.get("testpack")
    return err.value


_EDIT = """edits:
  - id: my_edit
    kind: modifier_not_allowed
    text: "No RT"
    cite: "{cite}"
    confidence: {conf}
    verified: {verified}
    codes: [{code}]
    modifiers: [RT]
    action: correct_claim
"""


def test_an_edit_naming_an_unknown_code_is_refused(tmp_path):
    err = _load(tmp_path, _EDIT.format(cite="x", conf="S", verified="true", code="'12345'"))
    assert "unknown code '12345'" in str(err) and "testpack.yaml:" in str(err)


def test_an_edit_naming_a_use_the_gate_lacks_is_refused(tmp_path):
    err = _load(tmp_path, _EDIT.format(cite="x", conf="S", verified="true", code="'63650:implant'"))
    assert "has no use 'implant'" in str(err)


def test_an_edit_from_memory_cannot_be_verified(tmp_path):
    err = _load(tmp_path, _EDIT.format(cite="x", conf="M", verified="true", code="'63650'"))
    assert "confidence M and cannot be verified: true" in str(err)


def test_an_edit_without_a_citation_is_refused(tmp_path):
    err = _load(tmp_path, _EDIT.format(cite=" ", conf="S", verified="true", code="'63650'"))
    assert "has no citation" in str(err)


def test_an_edit_reading_an_unknown_parameter_is_refused(tmp_path):
    body = _EDIT.replace("kind: modifier_not_allowed", "kind: max_units").replace("    modifiers: [RT]\n",
                                                                                 "    max: $no_such\n")
    err = _load(tmp_path, body.format(cite="x", conf="S", verified="true", code="'63650'"))
    assert "$no_such" in str(err)


def test_an_edit_reading_a_field_the_case_lacks_is_refused(tmp_path):
    err = _load(tmp_path, """edits:
  - id: docs
    kind: documentation
    text: "t"
    cite: "c"
    confidence: D
    verified: false
    codes: ["63655"]
    events: [lead_implant]
    items: {surgeon_signature: "signature"}
    outcome: pend
    action: send_documentation
""")
    assert "surgeon_signature" in str(err)


def test_switching_an_edit_no_baseline_defines_is_refused(tmp_path):
    err = _load(tmp_path, "edits:\n  - {id: no_such_edit, enabled: false}\n")
    assert "no_such_edit" in str(err) and "testpack.yaml:" in str(err)


def test_removing_an_edit_no_baseline_defines_is_refused(tmp_path):
    err = _load(tmp_path, "remove_edits: [no_such_edit]\n")
    assert "no_such_edit" in str(err)


def test_an_edit_of_an_unknown_kind_is_a_schema_error_with_its_line(tmp_path):
    err = _load(tmp_path, "edits:\n  - {id: x, kind: vibes, text: t, cite: c, confidence: D, verified: false,"
                          " action: correct_claim}\n")
    assert "testpack.yaml:9" in str(err) and "vibes" in str(err)
