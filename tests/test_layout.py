"""The package's layers, read from its imports: every arrow points one way, down.

    cli  ->  claims | store | testing  ->  engine  ->  policy  ->  model  ->  version

A module may import its own subpackage and the layers below it, never a layer above nor a peer
(claims, store and testing do not import each other); no module imports another's private
(``_name``) names; no import cycle, not even inside a subpackage. Imports under ``TYPE_CHECKING``
and inside functions count: a late import is still an arrow. Third-party weight stays in its
layer: click in the command line, transitions in the pathway, SQLAlchemy and Alembic in the store.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = "scs_workflow"
ROOT = Path(__file__).resolve().parent.parent

LAYERS = {"version": 0, "model": 1, "policy": 2, "engine": 3, "claims": 4, "store": 4, "testing": 4, "cli": 5}
"""Rank of each subpackage (and of the one top-level module, ``version``); the package's own
``__init__`` (the public API) and ``__main__`` sit above them all."""
TOP = 6

CONFINED = {  # third-party package -> the only modules (prefixes) that may import it
    "click": ("cli.",),
    "transitions": ("engine.pathway",),
    "sqlalchemy": ("store.",),
    "alembic": ("store.",),
}


def _name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in *path*, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [a.name for a in node.names], node.lineno))
    return found


def _rank(module: str) -> int | None:
    """The layer of a module of the package (``scs_workflow.engine.decision`` -> engine's rank)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__init__", "__main__"):
        return TOP
    return LAYERS.get(parts[1])


def problems(root: Path) -> list[str]:
    """Every arrow of the package under *root* that points the wrong way, each in one line."""
    files = sorted(p for p in (root / PKG).rglob("*.py") if "migrations" not in p.parts)
    modules = {_name(p, root): p for p in files}
    found: list[str] = []
    graph: dict[str, set[str]] = {}
    for mod, path in modules.items():
        where = path.relative_to(root)
        rank = _rank(mod)
        if rank is None:
            found.append(f"{where}: {mod} belongs to no layer (one of {', '.join(LAYERS)})")
        graph[mod] = set()
        for target, names, line in _imports(path, mod):
            top = target.split(".")[0]
            allowed = CONFINED.get(top)
            if allowed is not None and not mod.removeprefix(PKG + ".").startswith(allowed):
                found.append(f"{where}:{line}: imports {top}, which only {' '.join(allowed)} may")
            if top != PKG:
                continue
            # `from pkg import name`: name may be a module of pkg (an arrow to it) or a name in pkg
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules] or [target]
            for t in targets:
                if t == mod or mod.startswith(t + "."):
                    continue  # itself, or the package it is part of (its __init__ runs first anyway)
                graph[mod].add(t)
                t_rank = _rank(t)
                same_layer = t.split(".")[:2] == mod.split(".")[:2]
                if rank is not None and not same_layer and (t_rank is None or t_rank >= rank):
                    found.append(f"{where}:{line}: {mod} imports {t}, a layer that is not below it")
            if target in modules and target != mod:
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    found.append(f"{where}:{line}: {mod} imports private {', '.join(private)} from {target}")
    found += [f"import cycle: {' <-> '.join(c)}" for c in _cycles(graph)]
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_import_arrow_points_down() -> None:
    assert problems(ROOT) == []


def test_ls_of_the_package_shows_the_layers() -> None:
    entries = {p.name for p in (ROOT / PKG).iterdir() if not p.name.startswith((".", "__pycache__"))}
    assert {"model", "policy", "engine", "claims", "store", "cli", "testing"} <= entries
    assert sorted(p.name for p in (ROOT / PKG).glob("*.py")) == ["__init__.py", "__main__.py", "version.py"]


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / PKG / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_check_fails_on_the_knots_of_the_flat_layout(tmp_path: Path) -> None:
    """The old tree (commit b96b0f6) in miniature: each of its knots is reported."""
    _write(tmp_path, {
        "__init__.py": "",
        "cli/__init__.py": "",
        # the command line: app -> common -> batch -> back to app, late, for Settings
        "cli/app.py": "from .common import register\n",
        "cli/common.py": "def register():\n    from .batch import batch_command\n",
        "cli/batch.py": "def batch_command():\n    from .app import Settings\n",
        # the policy circle: schema -> checks (late) -> codes -> schema
        "policy/__init__.py": "",
        "policy/schema.py": "def load():\n    from .checks import check_policy\n",
        "policy/checks.py": "from .codes import default_catalog\n",
        "policy/codes.py": "from .schema import read_yaml\n",
        # the store: requests reach into cases' private helpers, cases import requests back
        "store/__init__.py": "",
        "store/cases.py": "import typing\nif typing.TYPE_CHECKING:\n    from .requests import RequestDesk\n",
        "store/requests.py": "from .cases import Actor, _as_case, _events\n",
        # the engine imported the claim layer's checks; the synthetic data imported click
        "engine/__init__.py": "",
        "engine/decision.py": "from ..claims.coding import CHECKS\n",
        "claims/__init__.py": "",
        "claims/coding.py": "from ..engine.decision import Outcome\n",
        "testing/__init__.py": "",
        "testing/synthetic.py": "import click\n",
        "cli_extensions.py": "",
    })
    found = "\n".join(problems(tmp_path))
    assert "import cycle: scs_workflow.cli.app <-> scs_workflow.cli.batch <-> scs_workflow.cli.common" in found
    assert "import cycle: scs_workflow.policy.checks <-> scs_workflow.policy.codes <-> scs_workflow.policy.schema" \
        in found
    assert "import cycle: scs_workflow.store.cases <-> scs_workflow.store.requests" in found
    assert "imports private _as_case, _events from scs_workflow.store.cases" in found
    assert "scs_workflow.engine.decision imports scs_workflow.claims.coding, a layer that is not below it" in found
    assert "testing/synthetic.py:1: imports click" in found
    assert "cli_extensions belongs to no layer" in found


@pytest.mark.parametrize("module", ["scs_workflow.claims", "scs_workflow.store", "scs_workflow.cli"])
def test_the_documented_import_paths_still_work(module: str) -> None:
    """The README promised these paths; they are now packages that re-export the same names."""
    import importlib

    names = {"scs_workflow.claims": ["Claim", "ClaimResult", "check_claim", "load_claim", "parse_claim"],
             "scs_workflow.store": ["Actor", "CaseStore", "open_store", "verify", "RequestDesk"],
             "scs_workflow.cli": ["main", "exit_code_for", "parse_code"]}[module]
    loaded = importlib.import_module(module)
    assert all(hasattr(loaded, n) for n in names)
