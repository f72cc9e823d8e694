"""What a trial child sends its parent: plain data in a format whose decoding cannot run code.

Kernel-side code (standard library only, Python 3.9+). The parent never unpickles anything a
child made: a child's answer is encoded here, and decoding only ever builds ``None``, ``bool``,
``int``, ``float``, ``str``, ``bytes``, ``list`` and ``dict`` (string keys), bounded in size,
nesting and digits, or raises ``WireError``. Bytes travel as opaque blobs; a parent that needs
a value inside them (the vote) hands them to another sandboxed child, never loads them itself.

Layout: ``MAGIC``, then big-endian ``u32`` header length, ``u32`` blob count, one ``u64``
length per blob, the header (UTF-8 JSON), then the blobs. In the JSON, a dict is
``{"$d": {...}}``, a blob ``{"$b": index}``, a non-finite float ``{"$f": "nan"|"inf"|"-inf"}``;
any other object is refused. Lengths must add up to the message exactly.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

MAGIC = b"PCHW1\n"
MAX_HEADER_BYTES = 1 << 20
MAX_BLOB_BYTES = 64 << 20
MAX_DEPTH = 32
MAX_INT_DIGITS = 40
MAX_BLOBS = 4096
_COUNTS = struct.Struct(">II")
_LENGTH = struct.Struct(">Q")
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class WireError(ValueError):
    """A message that is not well-formed, too large, or holds a value this format refuses."""


def max_message_bytes(max_header: int = MAX_HEADER_BYTES, max_blobs: int = MAX_BLOB_BYTES) -> int:
    """The largest message ``decode`` can accept with these limits."""
    return len(MAGIC) + _COUNTS.size + MAX_BLOBS * _LENGTH.size + max_header + max_blobs


def encode(value: Any) -> bytes:
    """The message for ``value``; ``WireError`` for a type or size this format refuses."""
    blobs: list[bytes] = []
    header = json.dumps(_tagged(value, blobs, 0), allow_nan=False, separators=(",", ":"))
    raw = header.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_HEADER_BYTES or sum(len(b) for b in blobs) > MAX_BLOB_BYTES:
        raise WireError("the result is too large to send back")
    lengths = b"".join(_LENGTH.pack(len(blob)) for blob in blobs)
    return b"".join([MAGIC, _COUNTS.pack(len(raw), len(blobs)), lengths, raw, *blobs])


def _tagged(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("the result is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_INT_DIGITS:
            raise WireError("an integer in the result has too many digits")
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$f": repr(float(value))}
    if isinstance(value, (bytes, bytearray, memoryview)):
        if len(blobs) >= MAX_BLOBS:
            raise WireError("the result holds too many blobs")
        blobs.append(bytes(value))
        return {"$b": len(blobs) - 1}
    if isinstance(value, (list, tuple)):
        return [_tagged(item, blobs, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise WireError("a dict in the result has keys that are not strings")
        return {"$d": {key: _tagged(item, blobs, depth + 1) for key, item in value.items()}}
    raise WireError(f"a {type(value).__name__} cannot be sent back")


def decode(
    message: bytes, max_header: int = MAX_HEADER_BYTES, max_blobs: int = MAX_BLOB_BYTES
) -> Any:
    """The value in ``message``; ``WireError`` for anything malformed or beyond the limits."""
    view = memoryview(message)
    if bytes(view[: len(MAGIC)]) != MAGIC or len(view) < len(MAGIC) + _COUNTS.size:
        raise WireError("not a result message")
    at = len(MAGIC)
    header_length, count = _COUNTS.unpack_from(view, at)
    at += _COUNTS.size
    if header_length > max_header or count > MAX_BLOBS:
        raise WireError("the result's header is too large")
    if len(view) < at + count * _LENGTH.size:
        raise WireError("the result is cut short")
    lengths = [_LENGTH.unpack_from(view, at + i * _LENGTH.size)[0] for i in range(count)]
    at += count * _LENGTH.size
    if sum(lengths) > max_blobs:
        raise WireError("the result's blobs are too large")
    if len(view) != at + header_length + sum(lengths):
        raise WireError("the result's length does not match its header")
    header = _parse(bytes(view[at : at + header_length]))
    at += header_length
    blobs = []
    for length in lengths:
        blobs.append(bytes(view[at : at + length]))
        at += length
    return _untagged(header, blobs, 0)


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(
            raw.decode("utf-8", "surrogatepass"),
            parse_int=_bounded_int,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and Unicode errors
        raise WireError(f"the result's header is not readable ({type(exc).__name__})") from None


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:
        raise WireError("an integer in the result has too many digits")
    return int(text)


def _no_constant(text: str) -> Any:
    raise WireError(f"{text} is not allowed in a result")


def _untagged(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("the result is nested too deeply")
    if isinstance(value, list):
        return [_untagged(item, blobs, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise WireError("an object in the result is not a known tag")
    ((tag, inner),) = value.items()
    if tag == "$d" and isinstance(inner, dict):
        return {key: _untagged(item, blobs, depth + 1) for key, item in inner.items()}
    if tag == "$b" and type(inner) is int and 0 <= inner < len(blobs):
        return blobs[inner]
    if tag == "$f" and isinstance(inner, str) and inner in _FLOATS:
        return _FLOATS[inner]
    raise WireError("an object in the result is not a known tag")


class Malformed(ValueError):
    """A decoded record whose fields are not what the parent expects."""


#: How a record's field must look: (allowed exact types, longest str or list, required).
FieldRule = tuple[tuple[type, ...], "int | None", bool]


def checked(
    value: Any, fields: dict[str, FieldRule], int_lists: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``value`` when it is a dict with only ``fields``, each of its allowed types (exactly:
    ``True`` is no ``int``), texts and lists no longer than allowed, the lists named in
    ``int_lists`` of whole numbers only; ``Malformed`` naming the first field that is not."""
    if not isinstance(value, dict):
        raise Malformed("sent back something that is not a record")
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise Malformed(f"sent back unknown fields ({', '.join(unknown)[:100]})")
    for name, (types, longest, required) in fields.items():
        if name not in value:
            if required:
                raise Malformed(f"sent back no {name}")
            continue
        item = value[name]
        if type(item) not in types:
            raise Malformed(f"sent back a {name} of the wrong type")
        if longest is not None and isinstance(item, (str, list)) and len(item) > longest:
            raise Malformed(f"sent back a {name} that is too long")
        if name in int_lists and isinstance(item, list) and not all(type(x) is int for x in item):
            raise Malformed(f"sent back a {name} that is not a list of whole numbers")
    return value
