"""TFRecord framing and the few protobuf messages a scalar summary needs, parsed without the
tensorboard package: the package checks every record's CRC-32C in pure Python, a byte at a time,
which makes a file of a million tiny records take minutes.

A record is ``uint64 length, uint32 masked_crc32c(length), data[length], uint32 masked_crc32c(data)``.
Here the framing is walked once, and the CRCs of all records are computed together with numpy,
one byte position at a time across every record (records sorted by length, so step k touches
only the records longer than k): the cost is the file's bytes, in C. Records longer than
``BIG_RECORD`` (graphs, images) are not CRC-checked unless their values are used; their length
header always is, so the framing stays trustworthy.

The first bad record ends the read: what came before it is kept, and ``Framing.stopped`` says
where and why, for the reader to put in a warning.

Messages (tensorflow/core/util/event.proto, framework/summary.proto, tensor.proto):
Event{1 wall_time double, 2 step int64, 5 summary}; Summary{1 repeated value};
Summary.Value{1 tag, 2 simple_value float, 8 tensor, 9 metadata{1 plugin_data{1 plugin_name}}};
TensorProto{1 dtype, 2 shape, 4 tensor_content, 5 float_val, 6 double_val, 7 int_val, 10 int64_val,
11 bool_val, 13 half_val}.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

BIG_RECORD = 64 * 1024
_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ _POLY, t >> 1).astype(np.uint32)
    return t


_TABLE = _table()


def crc32c_many(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """CRC-32C of ``buf[starts[i]:starts[i]+lengths[i]]`` for every i, vectorised across records."""
    n = len(starts)
    crc = np.full(n, 0xFFFFFFFF, dtype=np.uint32)
    if n == 0:
        return crc
    order = np.argsort(-lengths, kind="stable")
    s, ln = starts[order].astype(np.int64), lengths[order].astype(np.int64)
    c = crc.copy()
    # active(k) = how many (sorted longest first) records are longer than k
    longest = int(ln[0])
    counts = np.searchsorted(-ln, -np.arange(longest), side="left")  # records with length > k
    for k in range(longest):
        m = int(counts[k])
        if m == 0:
            break
        byte = buf[s[:m] + k]
        c[:m] = _TABLE[(c[:m] ^ byte) & 0xFF] ^ (c[:m] >> 8)
    out = np.empty(n, dtype=np.uint32)
    out[order] = c ^ 0xFFFFFFFF
    return out


def masked(crc: np.ndarray | int) -> np.ndarray | int:
    crc = np.asarray(crc, dtype=np.uint32)
    return (((crc >> 15) | (crc << 17)) + np.uint32(0xA282EAD8)).astype(np.uint32)


def masked_crc32c(data: bytes) -> int:
    buf = np.frombuffer(data, dtype=np.uint8)
    return int(masked(crc32c_many(buf, np.array([0]), np.array([len(data)])))[0])


@dataclass
class Framing:
    """Where each record's data is; ``stopped`` says why reading ended early (None: it did not)."""

    starts: np.ndarray
    lengths: np.ndarray
    total: int  # records found in the framing, including any after a bad one
    stopped: str | None = None
    unchecked: list[int] = field(default_factory=list)  # indices of big records not CRC-checked


def frame(data: bytes) -> Framing:
    """The records of a TFRecord file, cut at the first truncated record or CRC mismatch."""
    size = len(data)
    starts, lengths = [], []
    pos = 0
    stopped = None
    unpack = struct.unpack_from
    while pos < size:
        if pos + 12 > size:
            stopped = f"a truncated record header at byte {pos:,}"
            break
        (length,) = unpack("<Q", data, pos)
        if pos + 16 + length > size:
            stopped = f"a truncated record at byte {pos:,}"
            break
        starts.append(pos)
        lengths.append(length)
        pos += 16 + length
    total = len(starts) + (stopped is not None)
    heads = np.asarray(starts, dtype=np.int64)
    lens = np.asarray(lengths, dtype=np.int64)
    buf = np.frombuffer(data, dtype=np.uint8)
    bad_at = len(heads)
    if len(heads):
        head_ok = _u32(data, heads + 8) == masked(crc32c_many(buf, heads, np.full(len(heads), 8)))
        small = np.flatnonzero(lens <= BIG_RECORD)
        data_ok = np.ones(len(heads), dtype=bool)
        data_ok[small] = _u32(data, heads[small] + 12 + lens[small]) == masked(
            crc32c_many(buf, heads[small] + 12, lens[small])
        )
        bad = np.flatnonzero(~(head_ok & data_ok))
        if len(bad):
            bad_at = int(bad[0])
            where = "the length of the record" if not head_ok[bad_at] else "the record"
            stopped = f"a CRC mismatch in {where} at byte {int(heads[bad_at]):,}"
    big = [int(i) for i in np.flatnonzero(lens[:bad_at] > BIG_RECORD)]
    return Framing(heads[:bad_at] + 12, lens[:bad_at], total, stopped, big)


def _u32(data: bytes, at: np.ndarray) -> np.ndarray:
    buf = np.frombuffer(data, dtype=np.uint8)
    at = np.asarray(at, dtype=np.int64)
    b = [buf[at + i].astype(np.uint32) for i in range(4)]
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)).astype(np.uint32)


def data_crc_ok(data: bytes, start: int, length: int) -> bool:
    """The data CRC of one (big) record, checked when its values are about to be used."""
    buf = np.frombuffer(data, dtype=np.uint8)
    got = masked(crc32c_many(buf, np.array([start]), np.array([length])))[0]
    return int(got) == int(_u32(data, np.array([start + length]))[0])


# -- protobuf wire format -------------------------------------------------------------------------
class WireError(ValueError):
    """Bytes that are not the message they should be."""


def _varint(b: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if i >= len(b):
            raise WireError("truncated varint")
        c = b[i]
        i += 1
        result |= (c & 0x7F) << shift
        if c < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def fields(b: bytes) -> list[tuple[int, int, object]]:
    """(field number, wire type, value) of a message: ints for varint/fixed, bytes for the rest."""
    out = []
    i, n = 0, len(b)
    while i < n:
        key, i = _varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(b, i)
        elif wire == 1:
            if i + 8 > n:
                raise WireError("truncated fixed64")
            v, i = b[i : i + 8], i + 8
        elif wire == 2:
            ln, i = _varint(b, i)
            if i + ln > n:
                raise WireError("truncated field")
            v, i = b[i : i + ln], i + ln
        elif wire == 5:
            if i + 4 > n:
                raise WireError("truncated fixed32")
            v, i = b[i : i + 4], i + 4
        else:
            raise WireError(f"wire type {wire}")
        out.append((num, wire, v))
    return out


def _signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


# TensorProto dtype -> (numpy dtype of tensor_content, the *_val field and how to read it)
_DTYPES = {
    1: ("<f4", 5),
    2: ("<f8", 6),
    3: ("<i4", 7),
    4: ("u1", 7),
    5: ("<i2", 7),
    6: ("i1", 7),
    9: ("<i8", 10),
    10: ("?", 11),
    19: ("<f2", 13),
    17: ("<u2", 7),
    22: ("<u4", 16),
    23: ("<u8", 17),
}


def scalar_of_tensor(b: bytes) -> float | None:
    """The one number a TensorProto holds; None when it is not a single number."""
    dtype, content, vals, shape = 0, None, [], b""
    for num, wire, v in fields(b):
        if num == 1 and wire == 0:
            dtype = v
        elif num == 2 and wire == 2:
            shape = v
        elif num == 4 and wire == 2:
            content = v
        elif num in (5, 6, 7, 10, 11, 13, 16, 17):
            vals.append((num, wire, v))
    if dtype not in _DTYPES:
        return None
    npdt, valfield = _DTYPES[dtype]
    if shape:
        for num, wire, dim in fields(shape):
            if num == 2 and wire == 2:
                size = next((s for n2, w2, s in fields(dim) if n2 == 1 and w2 == 0), 0)
                if size != 1:
                    return None
    if content is not None:
        arr = np.frombuffer(content, dtype=npdt)
        return float(arr[0]) if arr.size == 1 else None
    nums: list[float] = []
    for num, wire, v in vals:
        if num != valfield:
            continue
        if num == 5:
            nums += list(np.frombuffer(v, "<f4")) if wire == 2 else [struct.unpack("<f", v)[0]]
        elif num == 6:
            nums += list(np.frombuffer(v, "<f8")) if wire == 2 else [struct.unpack("<d", v)[0]]
        elif num == 13:  # half_val: the float16 bits in an int32
            ints = _packed(v) if wire == 2 else [v]
            nums += [float(np.array([x & 0xFFFF], dtype="<u2").view("<f2")[0]) for x in ints]
        else:
            ints = _packed(v) if wire == 2 else [v]
            nums += [float(_signed64(x)) if num in (7, 10) else float(x) for x in ints]
    return float(nums[0]) if len(nums) == 1 else None


def _packed(b: bytes) -> list[int]:
    out, i = [], 0
    while i < len(b):
        v, i = _varint(b, i)
        out.append(v)
    return out


_F32 = struct.Struct("<f").unpack_from


def tiny_scalars(
    data: bytes, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The records in ``_tiny_scalar``'s layout, recognised and decoded for all records at once:
    (which records, their steps, values, and where each one's tag starts and ends in ``data``).
    The others go to the general parser one by one."""
    buf = np.frombuffer(data, dtype=np.uint8)
    last = len(buf) - 1
    s, ln = starts.astype(np.int64), lengths.astype(np.int64)
    at = lambda off: buf[np.minimum(s + off, last)]  # noqa: E731  (clipped: checked against ln below)
    ok = (ln >= 21) & (ln < 400) & (at(0) == 0x09) & (at(9) == 0x10)
    raw = buf[np.minimum(s[:, None] + 10 + np.arange(9), last)]
    more = raw >= 0x80
    vlen = np.argmin(more, axis=1) + 1
    ok &= ~more.all(axis=1)
    shifts = (7 * np.arange(9)).astype(np.uint64)
    parts = (raw & 0x7F).astype(np.uint64) << shifts
    parts[np.arange(9) >= vlen[:, None]] = 0
    steps = parts.sum(axis=1).astype(np.int64)
    p = 10 + vlen
    tn = at(p + 5).astype(np.int64)
    ok &= (
        (at(p) == 0x2A)
        & (at(p + 1) == ln - p - 2)
        & (at(p + 2) == 0x0A)
        & (at(p + 3) == ln - p - 4)
        & (at(p + 4) == 0x0A)
        & (tn < 0x80)
        & (p + 6 + tn + 5 == ln)
        & (at(p + 6 + tn) == 0x15)
    )
    idx = np.flatnonzero(ok)
    tag_start = s[idx] + p[idx] + 6
    tag_end = tag_start + tn[idx]
    fbytes = buf[np.minimum(tag_end[:, None] + 1 + np.arange(4), last)]
    values = np.ascontiguousarray(fbytes).view("<f4").reshape(-1).astype(np.float64)
    return idx, steps[idx], values, tag_start, tag_end


def _tiny_scalar(record: bytes) -> tuple[int, str, float] | None:
    """The layout of nearly every record of a long run, read without the general parser:
    Event{1 wall_time, 2 step, 5 Summary{1 Value{1 tag, 2 simple_value}}}, one value, no metadata."""
    if len(record) < 20 or record[0] != 0x09 or record[9] != 0x10:
        return None
    step, i = _varint(record, 10)
    if record[i] != 0x2A:
        return None
    n, i = _varint(record, i + 1)
    if i + n != len(record) or record[i] != 0x0A:
        return None
    n2, j = _varint(record, i + 1)
    if j + n2 != len(record) or record[j] != 0x0A:
        return None
    tn, k = _varint(record, j + 1)
    if k + tn + 5 != len(record) or record[k + tn] != 0x15:
        return None
    return _signed64(step), record[k : k + tn].decode("utf-8", "replace"), _F32(record, k + tn + 1)[0]


def event_scalars(record: bytes) -> tuple[int, list[tuple[str, float | None]]]:
    """(step, [(tag, value or None when the value is not a scalar summary)]) of one Event."""
    try:
        tiny = _tiny_scalar(record)
    except (WireError, IndexError):
        tiny = None
    if tiny is not None:
        return tiny[0], [(tiny[1], tiny[2])]
    step, summary = 0, None
    for num, wire, v in fields(record):
        if num == 2 and wire == 0:
            step = _signed64(v)
        elif num == 5 and wire == 2:
            summary = v
    if summary is None:
        return step, []
    out = []
    for num, wire, value in fields(summary):
        if num != 1 or wire != 2:
            continue
        tag, simple, tensor, plugin = "", None, None, ""
        other = False
        for n2, w2, v2 in fields(value):
            if n2 == 1 and w2 == 2:
                tag = v2.decode("utf-8", "replace")
            elif n2 == 2 and w2 == 5:
                simple = struct.unpack("<f", v2)[0]
            elif n2 == 8 and w2 == 2:
                tensor = v2
            elif n2 == 9 and w2 == 2:
                plugin = _plugin_name(v2)
            elif n2 in (3, 4, 5, 6):  # histograms, images, audio
                other = True
        if simple is not None:
            out.append((tag, float(simple)))
        elif tensor is not None and plugin in ("scalars", "") and not other:
            out.append((tag, scalar_of_tensor(tensor)))
        else:
            out.append((tag, None))
    return step, out


def _plugin_name(metadata: bytes) -> str:
    for num, wire, v in fields(metadata):
        if num == 1 and wire == 2:
            for n2, w2, v2 in fields(v):
                if n2 == 1 and w2 == 2:
                    return v2.decode("utf-8", "replace")
    return ""


def tensor_array(b: bytes) -> np.ndarray | None:
    """A TensorProto's values as a float array of its shape; None for a dtype that is not numeric."""
    dtype, content, vals, dims = 0, None, [], []
    for num, wire, v in fields(b):
        if num == 1 and wire == 0:
            dtype = v
        elif num == 2 and wire == 2:
            for n2, w2, dim in fields(v):
                if n2 == 2 and w2 == 2:
                    dims.append(next((s for n3, w3, s in fields(dim) if n3 == 1 and w3 == 0), 0))
        elif num == 4 and wire == 2:
            content = v
        elif num in (5, 6) and wire == 2:
            vals.append((num, v))
    if dtype not in (1, 2):  # histograms are float or double
        return None
    npdt = _DTYPES[dtype][0]
    if content is not None:
        arr = np.frombuffer(content, dtype=npdt)
    else:
        arr = np.concatenate([np.frombuffer(v, "<f4" if n == 5 else "<f8") for n, v in vals]) if vals else None
    if arr is None or arr.size != int(np.prod(dims or [arr.size])):
        return None
    return arr.astype(np.float64).reshape(dims or [arr.size])


def histogram_proto(b: bytes) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(min, max, bucket_limit, bucket) of a HistogramProto."""
    lo = hi = 0.0
    limits: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for num, wire, v in fields(b):
        if num in (1, 2) and wire == 1:
            x = struct.unpack("<d", v)[0]
            lo, hi = (x, hi) if num == 1 else (lo, x)
        elif num in (6, 7):  # packed (wire 2) or one double at a time (wire 1)
            (limits if num == 6 else counts).append(np.frombuffer(v, "<f8"))
    join = lambda xs: np.concatenate(xs) if xs else np.zeros(0)  # noqa: E731
    return lo, hi, join(limits), join(counts)


def event_histograms(record: bytes) -> tuple[int, list[tuple[str, str, bytes, str]]]:
    """(step, [(tag, kind, payload, plugin)]) of one Event's non-scalar values that may be
    histograms: kind "histo" with a HistogramProto, or "tensor" with a TensorProto and the plugin
    its metadata names ("" when the value carries none: writers send it with a tag's first value)."""
    step, summary = 0, None
    for num, wire, v in fields(record):
        if num == 2 and wire == 0:
            step = _signed64(v)
        elif num == 5 and wire == 2:
            summary = v
    out = []
    for num, wire, value in fields(summary or b""):
        if num != 1 or wire != 2:
            continue
        tag, histo, tensor, plugin = "", None, None, ""
        for n2, w2, v2 in fields(value):
            if n2 == 1 and w2 == 2:
                tag = v2.decode("utf-8", "replace")
            elif n2 == 5 and w2 == 2:
                histo = v2
            elif n2 == 8 and w2 == 2:
                tensor = v2
            elif n2 == 9 and w2 == 2:
                plugin = _plugin_name(v2)
        if histo is not None:
            out.append((tag, "histo", histo, plugin))
        elif tensor is not None:
            out.append((tag, "tensor", tensor, plugin))
    return step, out
