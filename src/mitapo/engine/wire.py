"""Commands and outcomes between processes: pickle, with the two things plain pickle cannot carry.

A command may carry closures (a `plan` or `result` made inside a service function, a lambda) and SQLAlchemy
`Table`s (a `Row`). Both ends of the wire run the same code, so a closure travels as its code object (marshal,
cached per code object) with the name of its module (its globals on the other side) and the values of its
cells, which are pickled in turn; a table travels as its name on the one `metadata`, and `commands.ENTRY_ID`
(a placeholder told by its identity) as itself. An exception a closure holds (a refusal decided before the
command was built) travels as its class, args and attributes: plain pickle calls the class with `args`, and
`DomainError(code, detail)` keeps only the detail there, which is not a code. Everything else is plain pickle.
Only ever read from a socket in a directory of the service's own (`engine.remote_writer`): pickle runs what
it reads.

Frames: a 4-byte big-endian length, then one pickled list of messages: many messages per write and per read.
"""

from __future__ import annotations

import importlib
import io
import marshal
import pickle
import types
from typing import Any

from sqlalchemy import Table

from mitapo.engine.commands import ENTRY_ID
from mitapo.engine.tables import metadata

HEADER = 4
_code_bytes: dict[types.CodeType, bytes] = {}
_codes: dict[bytes, types.CodeType] = {}


class _Empty:
    """A cell without a value yet (a closure over a name assigned later)."""


def _rebuild_function(
    module: str,
    code: bytes,
    name: str,
    defaults: tuple[Any, ...] | None,
    kwdefaults: dict[str, Any] | None,
    cells: tuple[Any, ...],
) -> types.FunctionType:
    compiled = _codes.get(code)
    if compiled is None:
        compiled = _codes[code] = marshal.loads(code)
    closure = tuple(types.CellType() if isinstance(c, _Empty) else types.CellType(c) for c in cells)
    fn = types.FunctionType(
        compiled, importlib.import_module(module).__dict__, name, defaults, closure or None
    )
    fn.__kwdefaults__ = kwdefaults
    return fn


def _rebuild_exception(
    kind: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]
) -> BaseException:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


def _entry_id() -> object:
    return ENTRY_ID


def _table(name: str) -> Table:
    return metadata.tables[name]


def _cell(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:
        return _Empty()


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is types.FunctionType and "<" in obj.__qualname__:  # a lambda or a closure: by value
            code = obj.__code__
            raw = _code_bytes.get(code)
            if raw is None:
                raw = _code_bytes[code] = marshal.dumps(code)
            cells = tuple(_cell(c) for c in obj.__closure__ or ())
            return _rebuild_function, (
                obj.__module__,
                raw,
                obj.__name__,
                obj.__defaults__,
                obj.__kwdefaults__,
                cells,
            )
        if kind is Table:
            return _table, (obj.name,)
        if kind is _Empty:
            return _Empty, ()
        if obj is ENTRY_ID:  # a placeholder known by its identity: the same one on the other side
            return _entry_id, ()
        if isinstance(obj, BaseException):  # without calling its __init__ again (see the module's doc)
            return _rebuild_exception, (kind, obj.args, dict(obj.__dict__))
        return NotImplemented


def frame(messages: list[Any]) -> bytes:
    """One frame carrying `messages`."""
    buffer = io.BytesIO()
    buffer.write(b"\0\0\0\0")
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(messages)
    data = buffer.getbuffer()
    data[:HEADER] = (len(data) - HEADER).to_bytes(HEADER, "big")
    return bytes(data)


def unframe(buffer: bytearray) -> list[Any]:
    """The messages of every whole frame at the start of `buffer`, removed from it."""
    messages: list[Any] = []
    start = 0
    while len(buffer) - start >= HEADER:
        size = int.from_bytes(buffer[start : start + HEADER], "big")
        end = start + HEADER + size
        if end > len(buffer):
            break
        messages.extend(pickle.loads(buffer[start + HEADER : end]))
        start = end
    if start:
        del buffer[:start]
    return messages
