"""The library of policies: every policy version of a directory, ``extends`` resolved, each merged
policy checked (:mod:`.checks`) before it is used, the version in force on a date chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..model.errors import PolicyError, PolicyNotFound, Problem
from .checks import check_policy
from .reader import read_yaml
from .schema import Policy, PolicyFile, line_of, merge, parse_policy_file

# --- the library of policies --------------------------------------------------------


@dataclass
class _Source:
    file: PolicyFile
    path: Path
    node: yaml.Node | None


class PolicyLibrary:
    """Every policy version found in a directory, merged with its baselines on demand."""

    def __init__(self, sources: list[_Source]) -> None:
        self._sources: dict[str, list[_Source]] = {}
        for s in sources:
            versions = self._sources.setdefault(s.file.id, [])
            clash = [o for o in versions if o.file.version == s.file.version]
            if clash:
                raise PolicyError(
                    f"{s.path}: duplicate policy version",
                    [Problem(f"{s.path}:1", f"{s.file.id}@{s.file.version} is also in {clash[0].path}")],
                )
            versions.append(s)
        for versions in self._sources.values():
            versions.sort(key=lambda s: s.file.effective_from)
        self._merged: dict[str, Policy] = {}

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> PolicyLibrary:
        sources = []
        for p in paths:
            pf, node = parse_policy_file(p)
            sources.append(_Source(pf, p, node))
        return cls(sources)

    @classmethod
    def from_dir(cls, directory: str | Path) -> PolicyLibrary:
        folder = Path(directory)
        if not folder.is_dir():
            raise PolicyError(f"{folder}: not a policy directory")
        return cls.from_paths(policy_paths(folder))

    def ids(self) -> list[str]:
        return sorted(self._sources)

    def versions(self, policy_id: str) -> list[Policy]:
        return [self._load(s) for s in self._sources.get(policy_id, [])]

    def all(self) -> list[Policy]:
        return [p for i in self.ids() for p in self.versions(i)]

    def get(self, policy_id: str, on: dt.date | None = None, version: str | None = None) -> Policy:
        """The version asked for, else the one in force *on* the date, else the newest."""
        if not isinstance(policy_id, str):
            raise PolicyNotFound(f"a policy id is a str, not {type(policy_id).__name__}")
        if on is not None and (not isinstance(on, dt.date) or isinstance(on, dt.datetime)):
            raise PolicyNotFound(f"policy {policy_id}: the date is a datetime.date, not {type(on).__name__}")
        if "@" in policy_id:
            policy_id, version = policy_id.split("@", 1)
        sources = self._sources.get(policy_id)
        if not sources:
            known = ", ".join(self.ids()) or "none"
            raise PolicyNotFound(f"no policy {policy_id!r} (known: {known})")
        if version is not None:
            hit = [s for s in sources if s.file.version == version]
            if not hit:
                raise PolicyNotFound(f"policy {policy_id} has no version {version!r}")
            return self._load(hit[0])
        if on is None:
            return self._load(sources[-1])
        live = [s for s in sources if _in_force(s.file, on)]
        if not live:
            raise PolicyNotFound(f"no version of policy {policy_id} is in force on {on.isoformat()}")
        return self._load(live[-1])

    def _load(self, src: _Source, chain: tuple[str, ...] = ()) -> Policy:
        key = f"{src.file.id}@{src.file.version}"
        if key in self._merged:
            return self._merged[key]
        if key in chain:
            raise PolicyError(f"{src.path}: extends itself", [Problem(f"{src.path}:1", " -> ".join(chain + (key,)))])
        base: Policy | None = None
        if src.file.extends:
            line = line_of(src.node, ["extends"])
            try:
                ref = src.file.extends
                base_src = self._base_source(ref, src.file.effective_from)
            except PolicyNotFound as err:
                problem = Problem(f"{src.path}:{line}", f"extends: {err}")
                raise PolicyError(f"{src.path}: bad extends", [problem]) from None
            base = self._load(base_src, chain + (key,))
        policy = merge(base, src.file, str(src.path), src.node)
        problems = check_policy(policy)
        if problems:
            raise PolicyError(f"{src.path}: the policy does not hold together", problems)
        self._merged[key] = policy
        return policy

    def _base_source(self, ref: str, on: dt.date) -> _Source:
        pid, _, ver = ref.partition("@")
        sources = self._sources.get(pid)
        if not sources:
            raise PolicyNotFound(f"no policy {pid!r}")
        if ver:
            hit = [s for s in sources if s.file.version == ver]
        else:
            hit = [s for s in sources if _in_force(s.file, on)]
        if not hit:
            raise PolicyNotFound(f"no version of {ref!r} in force on {on.isoformat()}")
        return hit[-1]


def _in_force(pf: PolicyFile, on: dt.date) -> bool:
    return pf.effective_from <= on and (pf.effective_to is None or on <= pf.effective_to)


def policy_paths(directory: Path) -> list[Path]:
    """The policy files of a directory: YAML files whose top-level ``kind`` is ``policy``.

    Every file is parsed (wherever its ``kind:`` line is); one that is not valid YAML is an
    error, not silently skipped: it may be a policy.
    """
    found = []
    for path in sorted(directory.glob("*.yaml")):
        data, _node = read_yaml(path)
        if isinstance(data, dict) and data.get("kind") == "policy":
            found.append(path)
    return found
