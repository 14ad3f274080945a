"""Policies load with their baselines, pick the version in force, and refuse what makes no sense."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from scs_workflow import PolicyError, PolicyLibrary, PolicyNotFound
from scs_workflow.policy import default_workflows_dir, policy_paths, read_yaml

HERE = Path(__file__).parent / "policies"
SHIPPED = default_workflows_dir()


def library_with(*extra: Path) -> PolicyLibrary:
    return PolicyLibrary.from_paths([*policy_paths(SHIPPED), *extra])


def test_shipped_packs_load_and_extend_the_medicare_baseline():
    lib = PolicyLibrary.from_dir(SHIPPED)
    assert lib.ids() == ["aetna", "cigna", "medicare"]
    aetna = lib.get("aetna")
    assert aetna.lineage == ["aetna@2026.1", "medicare@2026.1"]
    assert "late_resort" not in aetna.criteria and "odi" in aetna.criteria
    assert aetna.parameters["max_leads"] == 2  # inherited, unused by Aetna's criteria
    assert aetna.states == lib.get("medicare").states


def test_every_criterion_cites_its_source_and_memory_facts_are_unverified():
    for policy in PolicyLibrary.from_dir(SHIPPED).all():
        for c in policy.criteria.values():
            assert c.cite.strip(), c.id
            if c.confidence in ("M", "S2", "D"):
                assert c.verified is False, (policy.key, c.id)


def test_commercial_packs_never_cite_a_medicare_source():
    """An Aetna or Cigna decision must not justify itself with an NCD, LCD or MAC checklist."""
    medicare_sources = ("NCD 160.7", "L37632", "A56876", "checklist", "OPD")
    lib = PolicyLibrary.from_dir(SHIPPED)
    for pid in ("aetna", "cigna"):
        policy = lib.get(pid)
        cites = [c.cite for c in policy.criteria.values()]
        cites += [u.cite or "" for uses in policy.gates.values() for u in uses]
        assert not [c for c in cites if any(m in c for m in medicare_sources)], pid
        assert not any(c.verified for c in policy.criteria.values()), pid


def write_versions(tmp_path: Path) -> PolicyLibrary:
    text = (HERE / "minimal.yaml").read_text()
    (tmp_path / "v1.yaml").write_text(text.replace('version: "1"', 'version: "1"\neffective_to: 2025-12-31'))
    (tmp_path / "v2.yaml").write_text(text.replace('version: "1"', 'version: "2"')
                                      .replace("effective_from: 2020-01-01", "effective_from: 2026-01-01")
                                      .replace("relief: 50", "relief: 60"))
    return PolicyLibrary.from_dir(tmp_path)


def test_the_version_in_force_on_the_date_of_service_is_chosen(tmp_path):
    lib = write_versions(tmp_path)
    assert lib.get("minimal", on=dt.date(2025, 12, 31)).version == "1"
    assert lib.get("minimal", on=dt.date(2026, 1, 1)).version == "2"
    assert lib.get("minimal@1").parameters["relief"] == 50
    with pytest.raises(PolicyNotFound, match="in force on 2019-12-31"):
        lib.get("minimal", on=dt.date(2019, 12, 31))
    with pytest.raises(PolicyNotFound, match="no policy 'nope'"):
        lib.get("nope")


def test_decisions_pin_the_version_they_used(tmp_path):
    from casebuilder import Patient

    from scs_workflow import Engine
    from scs_workflow.policy.codes import default_catalog

    engine = Engine(library=write_versions(tmp_path), catalog=default_catalog())
    p = Patient("minimal").event("psych_eval", dt.date(2025, 6, 1), evaluator_role="psychologist", cleared=True)
    old = engine.decide(p.case(), ["63650"], dt.date(2025, 7, 1))
    new = engine.decide(p.case(), ["63650"], dt.date(2026, 7, 1))
    assert (old.policy_version, new.policy_version) == ("1", "2")


def test_yaml_off_and_no_stay_strings():
    data, _ = read_yaml(HERE / "minimal.yaml")
    assert data["initial"] == "intake"
    p = HERE.parent / "policies" / "minimal.yaml"
    from scs_workflow.policy.reader import _Loader

    assert yaml.load("a: off\nb: no\nc: true", Loader=_Loader) == {"a": "off", "b": "no", "c": True}
    assert p.exists()


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(PolicyError) as err:
        library_with(HERE / "bad" / "not-yaml.yaml")
    assert "not-yaml.yaml:5: expected ',' or '}'" in str(err.value)
    assert "flow mapping that starts at line 4" in str(err.value)


def test_wrong_type_names_file_line_and_field():
    with pytest.raises(PolicyError) as err:
        library_with(HERE / "bad" / "wrong-type.yaml")
    text = str(err.value)
    assert "wrong-type.yaml:15" in text and "criteria[0].test.ge" in text


def test_criterion_without_a_citation_is_refused_with_its_line():
    with pytest.raises(PolicyError) as err:
        library_with(HERE / "bad" / "missing-cite.yaml")
    assert "missing-cite.yaml:9" in str(err.value) and "criteria[0].cite: Field required" in str(err.value)


def test_validate_reports_a_citation_outside_the_packs_own_sources():
    """A rule cites the pack's own sources, or a baseline source the pack adopts by name."""
    with pytest.raises(PolicyError) as err:
        library_with(HERE / "bad" / "foreign-source.yaml").get("foreign-source")
    text = str(err.value)
    assert "foreign-source.yaml:13: criterion odi: cites source 'cohere', not among the pack's sources" in text
    # inherited rules too: the baseline's CPT and MUE edits are not this pack's until it adopts their sources
    assert "edit mue: cites source 'cms_mue'" in text and "edit units_count_arrays: cites source 'cpt'" in text
    assert "criterion psych_eval: cites source 'ncd_160_7', 'l37632', 'opd_pa'" in text


def test_a_pack_may_adopt_only_sources_its_baseline_has(tmp_path):
    text = (HERE / "bad" / "reads-missing-field.yaml").read_text()
    path = tmp_path / "p.yaml"
    path.write_text(text.replace("adopts: [cpt,", "adopts: [cohere, cpt,")
                    .replace("{fact: pt_visits_in_person, ge: 12}", "{fact: odi_score, ge: 21}"))
    with pytest.raises(PolicyError, match="adopts 'cohere', which is not a source of the baseline"):
        library_with(path).get("reads-missing-field")


def test_no_medicare_rule_cites_a_medicare_advantage_vendor():
    medicare = PolicyLibrary.from_dir(SHIPPED).get("medicare")
    cites = [c.cite for c in medicare.criteria.values()] + [e.cite for e in medicare.edits.values()]
    assert not [c for c in cites if "Cohere" in c or "Humana" in c]


# criteria the duplicate-rule clean-up (issue 8 §1) removes from the Medicare pack; they name no source yet
def test_every_shipped_rule_names_the_sources_it_cites():
    for policy in PolicyLibrary.from_dir(SHIPPED).all():
        for c in policy.criteria.values():
            assert c.source, (policy.key, c.id)
            assert set(c.source) <= set(policy.sources), (policy.key, c.id)
        for e in policy.edits.values():
            assert not e.enabled or (e.source and set(e.source) <= set(policy.sources)), (policy.key, e.id)


def test_commercial_packs_adopt_the_coding_sources_but_not_the_medicare_coverage_ones():
    lib = PolicyLibrary.from_dir(SHIPPED)
    for pid in ("aetna", "cigna"):
        sources = set(lib.get(pid).sources)
        assert {"cpt", "cms_mue"} <= sources
        assert not sources & {"ncd_160_7", "l37632", "a56876", "opd_pa"}, pid


@pytest.fixture
def fact_reading_a_missing_field():  # type: ignore[no-untyped-def]
    """A fact that says it needs a field no conservative-therapy record carries (removed afterwards)."""
    from scs_workflow.model.facts import FACTS, Evidence, fact

    fact("pt_visits_in_person", "in-person PT visits", "number", "PT visit log",
         reads=("conservative_therapy",), fields=("visits",))(lambda f: Evidence(None))
    yield
    del FACTS["pt_visits_in_person"]


def test_validate_reports_a_criterion_reading_a_field_no_event_carries(fact_reading_a_missing_field):
    with pytest.raises(PolicyError) as err:
        library_with(HERE / "bad" / "reads-missing-field.yaml").get("reads-missing-field")
    assert ("reads-missing-field.yaml:14: criterion in_person_visits: reads 'pt_visits_in_person', which needs "
            "the field 'visits' that no event it reads carries (conservative_therapy)") in str(err.value)


def test_every_fact_the_shipped_packs_read_reads_events_and_fields_the_case_has():
    from scs_workflow.policy.checks import _fact_problems
    from scs_workflow.policy.criteria import leaves

    read = {leaf.fact for policy in PolicyLibrary.from_dir(SHIPPED).all() for c in policy.criteria.values()
            for e in [c.test, *([c.when] if c.when else [])] for leaf in leaves(e)}
    assert "device_indications" in read and "modalities_addressed" in read
    assert {name: _fact_problems(name) for name in read if _fact_problems(name)} == {}


def test_nothing_of_a_bad_policy_is_loaded(tmp_path):
    shutil.copy(HERE / "minimal.yaml", tmp_path / "good.yaml")
    shutil.copy(HERE / "bad" / "not-yaml.yaml", tmp_path / "bad.yaml")
    with pytest.raises(PolicyError):
        PolicyLibrary.from_dir(tmp_path)


def mutate(tmp_path: Path, old: str, new: str) -> str:
    """Load the minimal policy with one edit; return the error text ('' if it loads)."""
    text = (HERE / "minimal.yaml").read_text()
    assert old in text, old
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(old, new))
    try:
        PolicyLibrary.from_paths([path]).get("minimal")
    except PolicyError as err:
        return str(err)
    return ""


def test_the_minimal_policy_is_valid(tmp_path):
    assert mutate(tmp_path, "relief: 50", "relief: 50") == ""


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  - {name: trial_failed, final: true}", "  - {name: trial_failed, final: true}\n  - {name: island, final: true}",
     "state 'island' cannot be reached"),
    ("  - {name: trial_failed, final: true}", "  - {name: trial_failed}",
     "'trial_failed' is not final but no transition"),
    ("    - {use: trial, states: [candidate]}", "    - {use: trial, states: [candiate]}", "unknown state 'candiate'"),
    ('  "63650":', '  "99999":', "gate for unknown code '99999'"),
    ('  "63650":', '  "0786T":', "outside the SCS pathway"),
    ("{fact: psych_eval_cleared, eq: true}", "{fact: psych_clearance, eq: true}",
     "reads 'psych_clearance', which the case model does not provide"),
    ('cite: "Test clause 1"', 'cite: "  "', "criterion psych has no citation"),
    ("    confidence: S\n    verified: true\n    applies_to", "    confidence: M\n    verified: true\n    applies_to",
     "confidence M and cannot be verified: true"),
    ("dest: trial_failed, requires_not_met: [relief]}", "dest: trial_failed}", "no guard tells them apart"),
    ("ge: $relief", "ge: $releif", "parameter '$releif'"),
    ("requires: [psych]}", "requires: [psyche]}", "requires unknown criterion 'psyche'"),
    ("{trigger: trial_placement,", "{trigger: trial_placed,", "no case event has this type"),
    ('applies_to: ["63650:trial"]', 'applies_to: ["63650:permanent"]', "which no gate defines"),
    ("{fact: psych_eval_cleared, eq: true}", "{fact: psych_eval_cleared, eq: 1}", "compare it with true or false"),
    ("{fact: psych_eval_cleared, eq: true}", "{fact: psych_eval_cleared, ge: 1}", "ge compares numbers"),
    ("initial: intake", "initial: start", "initial state 'start' is not a defined state"),
])
def test_semantic_checks_name_the_problem_and_its_line(tmp_path, old, new, message):
    error = mutate(tmp_path, old, new)
    assert message in error
    assert "p.yaml:" in error


def test_a_leaf_needs_exactly_one_operator(tmp_path):
    error = mutate(tmp_path, "{fact: psych_eval_cleared, eq: true}", "{fact: psych_eval_cleared, eq: true, ne: false}")
    assert "exactly one operator" in error and "p.yaml:" in error
