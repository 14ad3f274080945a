"""Helpers for the claim tests: a claim in one line, the edits that fired on a line.

    result = check(case, claim(DOS, "63650x2:permanent", "63685", pos="asc"))
    assert fired(result, "63650") == {"staged_implant_in_trial_global"}
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scs_workflow import Case, Engine, PolicyLibrary, ServiceLine
from scs_workflow.claims import Claim, ClaimResult, check_claim
from scs_workflow.policy import default_workflows_dir

WORKFLOWS = default_workflows_dir()


def line(text: str, **fields: Any) -> ServiceLine:
    """``"63650x2:permanent"`` and any other field of a claim line."""
    from scs_workflow.cli import parse_code

    return ServiceLine.model_validate({**parse_code(text).model_dump(exclude_unset=True), **fields})


def claim(dos: dt.date, *lines: str | ServiceLine, pos: str = "asc", auth: str | None = None) -> Claim:
    return Claim(date_of_service=dos, place_of_service=pos, authorization_number=auth,  # type: ignore[arg-type]
                 lines=[x if isinstance(x, ServiceLine) else line(x) for x in lines])


_ENGINE = Engine()


def check(case: Case, c: Claim, *, policy: str | None = None, engine: Engine | None = None) -> ClaimResult:
    return check_claim(case, c, engine or _ENGINE, policy=policy)


def fired(result: ClaimResult, code: str, *, n: int = 0) -> set[str]:
    """Edit ids that fired on the *n*-th line of *code* (edits and reconciliation)."""
    lines = [ln for ln in result.lines if ln.code == code]
    return {f.edit for f in lines[n].edits + lines[n].reconciliation}


def finding(result: ClaimResult, code: str, edit: str) -> Any:
    ln = next(ln for ln in result.lines if ln.code == code)
    return next(f for f in ln.edits + ln.reconciliation if f.edit == edit)


MEDICARE_SOURCES = list(PolicyLibrary.from_paths([WORKFLOWS / "medicare.yaml"]).get("medicare").sources)


def pack_engine(tmp: Path, body: str, pack_id: str = "testpack") -> Engine:
    """An engine whose library is the shipped Medicare baseline plus a pack extending it."""
    path = tmp / f"{pack_id}.yaml"
    path.write_text(
        f"kind: policy\nid: {pack_id}\ntitle: test pack\npayer: test\nversion: '1'\n"
        f"effective_from: 2021-07-01\nextends: medicare\n{body}"
        # a variant of the baseline: it takes every Medicare source as its own (last, so lines stay put)
        f"{'' if body.endswith(chr(10)) else chr(10)}"
        f"adopts: [{', '.join(MEDICARE_SOURCES)}]\n",
        encoding="utf-8")
    return Engine(library=PolicyLibrary.from_paths([WORKFLOWS / "medicare.yaml", path]))


@pytest.fixture
def switch_off(tmp_path: Path):  # type: ignore[no-untyped-def]
    """switch_off("edit_id") -> an engine whose pack "testpack" turns that Medicare edit off."""

    def make(*ids: str) -> Engine:
        body = "edits:\n" + "".join(f"  - {{id: {i}, enabled: false, note: test}}\n" for i in ids)
        return pack_engine(tmp_path, body)

    return make
