"""What users hand us, read once at the edge: one JSON reader with limits, and the date range.

Every command reads JSON through :func:`read_json` (a file, or ``-`` for stdin) or
:func:`parse_json` (a line of a JSON Lines file): case files, claims, events, import and
batch lines. A bad input is a :class:`~scs_workflow.errors.CaseError` (or the error class
the caller names) with one :class:`~scs_workflow.errors.Problem` that says where::

    >>> parse_json(b'{"events": [1, }', "x.json")
    Traceback (most recent call last):
    ...
    scs_workflow.errors.CaseError: x.json: not JSON
      line 1 column 16: Expecting value

Limits (an environment variable overrides each default):

- ``SCS_MAX_JSON_BYTES`` (32 MiB): the largest JSON file, or JSON Lines line, read;
- ``SCS_MAX_JSON_DEPTH`` (64): the deepest nesting of arrays and objects;
- ``SCS_MAX_EVENTS`` (50,000): the most events in one case.

Dates of service must lie in :data:`FIRST_DAY` .. :data:`LAST_DAY` (1900-01-01 .. 2100-12-31).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CaseError, ClaimError, Problem, RequestError

ErrorClass = type[CaseError] | type[ClaimError] | type[RequestError]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_EVENTS = 50_000
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Limits:
    """How much JSON the reader accepts; :meth:`from_env` reads the ``SCS_MAX_*`` variables."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_events: int = DEFAULT_MAX_EVENTS

    @classmethod
    def from_env(cls) -> Limits:
        return cls(_env_int("SCS_MAX_JSON_BYTES", DEFAULT_MAX_BYTES), _env_int("SCS_MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH),
                   _env_int("SCS_MAX_EVENTS", DEFAULT_MAX_EVENTS))


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise RequestError(f"{name}={text!r}: not a whole number") from None
    if value < 1:
        raise RequestError(f"{name}={text!r}: must be at least 1")
    return value


def read_json(path: str | Path, error: ErrorClass = CaseError, what: str = "case", *,
              limits: Limits | None = None) -> Any:
    """Read and parse the JSON file *path* (``-``: stdin) within *limits*; bad input raises *error*."""
    lim = limits or Limits.from_env()
    if not isinstance(path, (str, Path)):
        raise error(f"{path!r}: a {what} file is named by a str or a Path, not {type(path).__name__}")
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(lim.max_bytes + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(lim.max_bytes + 1)
    except OSError as err:
        raise error(f"{name}: cannot read {what} file: {err.strerror or err}") from None
    return parse_json(data, name, error, limits=lim)


def parse_json(data: bytes | str, source: str, error: ErrorClass = CaseError, *, limits: Limits | None = None) -> Any:
    """Parse one JSON document named *source* (``file`` or ``file:LINE``) within *limits*."""
    lim = limits or Limits.from_env()
    if len(data) > lim.max_bytes:
        raise error(f"{source}: too large", [Problem("$", f"more than {lim.max_bytes} bytes (SCS_MAX_JSON_BYTES)")])
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line, col = _position(data, err.start)
            raise error(f"{source}: not UTF-8",
                        [Problem(f"line {line} column {col}", f"byte 0x{data[err.start]:02x} is not UTF-8")]) from None
    else:
        text = data
    try:
        value = json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey as err:
        line, col = _duplicate_at(text, err.key)
        raise error(f"{source}: not JSON",
                    [Problem(f"line {line} column {col}", f"key {err.key!r} is written twice in one object")]) from None
    except json.JSONDecodeError as err:
        raise error(f"{source}: not JSON", [Problem(f"line {err.lineno} column {err.colno}", err.msg)]) from None
    except RecursionError:
        line, col = _too_deep_at(text, lim.max_depth)
        raise error(f"{source}: nested too deeply",
                    [Problem(f"line {line} column {col}", f"more than {lim.max_depth} levels (SCS_MAX_JSON_DEPTH)")]
                    ) from None
    except ValueError as err:  # e.g. an integer of more than 4300 digits
        digits = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
        if digits is None:
            raise error(f"{source}: not JSON", [Problem("$", str(err).splitlines()[0])]) from None
        line, col = _position(text[:digits.start()].encode("utf-8"), len(text[:digits.start()].encode("utf-8")))
        raise error(f"{source}: not JSON", [Problem(f"line {line} column {col}", "a number of more than "
                                                    f"{sys.get_int_max_str_digits()} digits")]) from None
    nul = _NUL.search(text)
    if nul is not None:  # PostgreSQL cannot store it, SQLite can: refused alike, as bad input
        line, col = _position(text[:nul.end() - 6].encode("utf-8"), len(text[:nul.end() - 6].encode("utf-8")))
        raise error(f"{source}: not usable text", [Problem(f"line {line} column {col}",
                                                           "a NUL character (\\u0000) is not allowed")])
    deep = _deeper_than(value, lim.max_depth)
    if deep is not None:
        raise error(f"{source}: nested too deeply",
                    [Problem(deep, f"more than {lim.max_depth} levels (SCS_MAX_JSON_DEPTH)")])
    return value


def check_case_size(data: Any, source: str, error: ErrorClass = CaseError, *, limits: Limits | None = None) -> None:
    """Refuse a case (a parsed JSON object) with more events than the limit."""
    lim = limits or Limits.from_env()
    events = data.get("events") if isinstance(data, dict) else None
    if isinstance(events, list) and len(events) > lim.max_events:
        raise error(f"{source}: too many events",
                    [Problem("$.events", f"{len(events)} events; at most {lim.max_events} per case (SCS_MAX_EVENTS)")])


def check_date_of_service(day: dt.date) -> dt.date:
    """*day* if it lies in 1900-01-01 .. 2100-12-31, else a :class:`RequestError`."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise RequestError(f"the date of service is a datetime.date, not {type(day).__name__}")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RequestError(f"date of service {day.isoformat()} is outside {FIRST_DAY.isoformat()} .. "
                           f"{LAST_DAY.isoformat()}")
    return day


# --- where it went wrong ------------------------------------------------------------------------


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep_at(text: str, limit: int) -> tuple[int, int]:
    """Line and column of the first bracket nested deeper than *limit* (strings skipped)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            if depth > limit:
                offset = m.start()
                return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
        elif tok in "]}":
            depth -= 1
    return 1, 1


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key written twice is refused (JSON would silently keep the last value)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


_KEY_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")\s*:|"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _duplicate_at(text: str, key: str) -> tuple[int, int]:
    """Line and column of the second *key* in one object (the first such object; strings skipped)."""
    stack: list[set[str] | None] = []
    for m in _KEY_TOKEN.finditer(text):
        tok = m.group()
        if tok in "[{":
            stack.append(set() if tok == "{" else None)
        elif tok in "]}":
            if stack:
                stack.pop()
        elif m.group(1) is not None and stack and stack[-1] is not None:
            name = json.loads(m.group(1))
            if name in stack[-1] and name == key:
                offset = m.start()
                return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
            stack[-1].add(name)
    return 1, 1


def _deeper_than(value: Any, limit: int) -> str | None:
    """The JSON path of the first array or object nested deeper than *limit*, else None."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return path if len(path) <= 80 else path[:77] + "..."
        if isinstance(node, dict):
            stack.extend((v, depth + 1, f"{path}.{k}") for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(node) if isinstance(v, (dict, list)))
    return None
