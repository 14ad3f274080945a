"""Reading policy YAML safely, keeping the node tree so every problem names ``file:line``.

YAML 1.2 booleans only (a state named ``off`` stays a string). A file is refused, with the
line, when it is not UTF-8, holds a control character, is not well-formed, nests deeper
than :data:`MAX_YAML_DEPTH`, writes a key twice in one mapping, names a date that does not
exist (2024-02-30), or holds aliases that expand to more than :data:`MAX_YAML_NODES` nodes
(an alias bomb: "billion laughs"). The shipped packs' anchors (gate lists, global days) are
far below that.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..model.errors import PolicyError, Problem

#: deepest nesting of a policy YAML, and most nodes it may hold once aliases are expanded
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 100_000


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only: a state named ``off`` or a value ``no`` stays a string.

    It also counts nesting (a limit, not a ``RecursionError``) and records every alias,
    so an alias bomb ("billion laughs") is refused before anything walks its expansion.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases: list[tuple[str, yaml.Mark, yaml.Node]] = []

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            node = super().compose_node(parent, index)
            if node is not None:
                self.aliases.append((str(event.anchor), event.start_mark, node))
            return node
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_YAML_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """A date that does not exist (2024-02-30) is a located error, not a ``ValueError``."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as err:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date ({err})", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """An integer of more than 4300 digits is a located error, not a ``ValueError``."""
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of more than {sys.get_int_max_str_digits()} digits", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_MERGE = "tag:yaml.org,2002:merge"


_PARSED: dict[tuple[str, int, int], tuple[Any, yaml.Node | None]] = {}


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse *path*, keeping the node tree for line lookups; every failure is a located PolicyError.

    The result is shared by every reader of the same unchanged file (finding the policy files
    of a directory parses them; loading them must not parse them again): do not mutate it.
    """
    try:
        st = path.stat()
        key: tuple[str, int, int] | None = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _PARSED:
        return _PARSED[key]
    node, loader = _compose(path)
    try:
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        raise _located(path, err) from None
    finally:
        loader.dispose()
    if key is not None:
        if len(_PARSED) >= 64:
            _PARSED.clear()
        _PARSED[key] = (data, node)
    return data, node


def _compose(path: Path) -> tuple[yaml.Node | None, _Loader]:
    """The checked node tree of *path*: UTF-8, well-formed, no duplicate keys, aliases bounded."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise PolicyError(f"{path}: cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        problem = Problem(f"{path}:{line}", f"byte 0x{raw[err.start]:02x} is not UTF-8")
        raise PolicyError(f"{path}: not UTF-8", [problem]) from None
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        raise _located(path, err) from None
    except yaml.reader.ReaderError as err:  # a control character, a NUL...
        line = text.count("\n", 0, err.position) + 1
        char = err.character if isinstance(err.character, int) else ord(str(err.character)[:1] or "\0")
        what = f"control character U+{char:04X} is not allowed in YAML (write it as an escape in quotes)"
        raise PolicyError(f"{path}: not valid YAML", [Problem(f"{path}:{line}", what)]) from None
    except yaml.YAMLError as err:
        raise PolicyError(f"{path}: not valid YAML", [Problem(str(path), str(err).splitlines()[0])]) from None
    if node is not None:
        problems = _duplicate_keys(node, path) + _alias_bombs(node, loader.aliases, path)
        if problems:
            loader.dispose()
            raise PolicyError(f"{path}: not a usable policy YAML", problems)
    return node, loader


def _located(path: Path, err: yaml.MarkedYAMLError) -> PolicyError:
    mark = err.problem_mark
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    what = str(err.problem)
    if err.context and err.context_mark:
        what += f" ({err.context} that starts at line {err.context_mark.line + 1})"
    return PolicyError(f"{path}: not valid YAML", [Problem(where, what)])


def _walk(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node of the tree once (an aliased node is one node)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend((k, v))


def _duplicate_keys(root: yaml.Node, path: Path) -> list[Problem]:
    """A key written twice in one mapping: YAML would keep the last silently; we refuse both."""
    problems = []
    for node in _walk(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        first: dict[str, int] = {}
        for k, _v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.tag == _MERGE:
                continue
            line = k.start_mark.line + 1
            if k.value in first:
                what = f"duplicate key {k.value!r} (first at line {first[k.value]})"
                problems.append(Problem(f"{path}:{line}", what))
            else:
                first[k.value] = line
    return sorted(problems, key=lambda p: int(p.where.rsplit(":", 1)[1]))


def _alias_bombs(root: yaml.Node, aliases: list[tuple[str, yaml.Mark, yaml.Node]], path: Path) -> list[Problem]:
    """Refuse a tree whose aliases expand to more than MAX_YAML_NODES nodes; name the biggest alias."""
    if not aliases:
        return []
    size: dict[int, int] = {}
    total = _size(root, size)  # recursion is bounded by MAX_YAML_DEPTH
    if total <= MAX_YAML_NODES:
        return []
    anchor, mark, _node = max(aliases, key=lambda a: size.get(id(a[2]), 0))
    grown = size.get(id(_node), 0)
    return [Problem(f"{path}:{mark.line + 1}",
                    f"alias *{anchor} expands to {grown:,} nodes; the document to {total:,} "
                    f"(at most {MAX_YAML_NODES:,}): write the value out, or alias less")]


def _size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes under *node* with aliases expanded (memoised, so a DAG costs its own size)."""
    hit = memo.get(id(node))
    if hit is not None:
        return hit
    n = 1
    if isinstance(node, yaml.SequenceNode):
        n += sum(_size(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n += sum(_size(k, memo) + _size(v, memo) for k, v in node.value)
    memo[id(node)] = n
    return n
