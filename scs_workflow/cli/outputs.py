"""What we hand back: output files written whole or not at all, and text safe for a terminal.

:func:`atomic_output` writes to a temporary file in the target's folder and renames it
over the target only when the writing succeeded, so a failed run leaves the old file (or
none). A target that exists and is not a regular file (``/dev/stdout``, a pipe) is written
in place. Any failure is an :class:`~scs_workflow.errors.OutputError` naming the file.

:func:`plain` makes text from data (ids, notes, messages) safe to print: control
characters (ANSI escapes included) and bidirectional overrides become visible ``\\uXXXX``
escapes; :func:`markup` also escapes rich markup, for text passed to ``Console.print``::

    >>> plain("to\\x1b[31m1")
    'to\\\\u001b[31m1'
    >>> markup("x[/bold]")
    'x\\\\[/bold]'
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, overload

from rich.markup import escape

from ..model.errors import OutputError

# C0 and C1 controls (tab and newline kept only where the caller allows), DEL, and the
# bidirectional formatting characters that can make text read differently from its bytes
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: object, *, multiline: bool = False) -> str:
    """*text* with control and bidi characters shown as ``\\uXXXX`` (newlines kept if *multiline*).

    JSON text stays the same JSON: inside a string ``\\uXXXX`` is the character's escape.
    """
    rx = _UNSAFE if multiline else _UNSAFE_ONE_LINE
    return rx.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def markup(text: object) -> str:
    """:func:`plain`, then rich markup escaped: for data inside a ``Console.print`` string."""
    return escape(plain(text))


@overload
def atomic_output(path: Path, mode: Literal["w"]) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_output(path: Path, mode: Literal["wb"]) -> contextlib.AbstractContextManager[IO[bytes]]: ...


def atomic_output(path: Path, mode: Literal["w", "wb"]) -> contextlib.AbstractContextManager[IO[str] | IO[bytes]]:
    """Open *path* for writing; on success the whole content replaces it, on failure nothing does."""
    return _atomic(Path(path), mode)


def check_output_path(path: Path) -> None:
    """Refuse up front an output path that cannot be written: a missing folder, a folder."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: cannot write: it is a folder")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: cannot write: folder {folder} does not exist")


@contextlib.contextmanager
def _atomic(target: Path, mode: Literal["w", "wb"]) -> Iterator[IO[str] | IO[bytes]]:
    check_output_path(target)
    encoding = "utf-8" if mode == "w" else None
    try:
        special = target.exists() and not stat.S_ISREG(target.stat().st_mode)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
    if special:  # a device or a pipe: nothing to replace, write straight through
        try:
            with open(target, mode, encoding=encoding) as fh:
                yield fh
        except OSError as err:
            raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as err:
        _remove(tmp)
        raise OutputError(f"{target}: cannot write: {err.strerror or err}; nothing written") from None
    except BaseException:
        _remove(tmp)
        raise


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
