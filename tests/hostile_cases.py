"""The project's generator of hostile inputs: each function returns the bytes of one file built to
make a reader allocate, loop or block far beyond what the file holds. Most are a few hundred bytes;
the shared-reference cases are a few kilobytes because the shared list has to exist once.

Pickles are assembled from opcodes (``_op``) rather than made by ``pickle.dumps`` of crafted
objects, so that no numpy or torch object with the wanted shape ever exists in the test process.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile

_NP = "numpy._core.multiarray"


# -- pickle opcodes, protocol 2/3 ------------------------------------------------------------------
def global_call(module: str, name: str, arg: str) -> bytes:
    """A protocol-2 pickle that calls module.name(arg): what a hand-made exploit looks like."""
    return (
        b"\x80\x02c"
        + module.encode()
        + b"\n"
        + name.encode()
        + b"\n(X"
        + len(arg.encode()).to_bytes(4, "little")
        + arg.encode()
        + b"tR."
    )


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _val(obj: object) -> bytes:
    """A plain value (int, str, bytes, tuple of those, None, bool) as opcodes, without PROTO/STOP
    and without memo PUTs, so fragments can be spliced together."""
    body = pickle.dumps(obj, protocol=3)[2:-1]
    return bytes(_strip_puts(body))


def _strip_puts(body: bytes) -> bytes:
    import pickletools

    out = bytearray()
    for op, _arg, pos in pickletools.genops(body + b"."):
        if op.name in ("BINPUT", "LONG_BINPUT", "MEMOIZE", "PUT", "STOP"):
            continue
        end = _next_pos(body, pos)
        out += body[pos:end]
    return bytes(out)


def _next_pos(body: bytes, pos: int) -> int:
    import pickletools

    ops = pickletools.genops(body[pos:] + b".")
    next(ops)
    return pos + next(ops)[2]


def _call(func: bytes, *args: bytes) -> bytes:
    return func + b"(" + b"".join(args) + b"tR"


def _pickle(body: bytes) -> bytes:
    return b"\x80\x03" + body + b"."


def _dtype(code: str) -> bytes:
    return _call(_global("numpy", "dtype"), _val(code), _val(False), _val(True))


def _subarray_dtype() -> bytes:
    # numpy.dtype("V8") whose BUILD state makes it a (14000, 14000) block of float64: 1.5 GB an item
    state = (
        b"("
        + _val(3)
        + _val("|")
        + b"("
        + _dtype("f8")
        + b"("
        + _val(14000)
        + _val(14000)
        + b"tt"
        + _val(None)
        + _val(None)
        + _val(14000 * 14000 * 8)
        + _val(8)
        + _val(0)
        + b"tb"
    )
    return _dtype("V8") + state


def pickle_object_dtype_array() -> bytes:
    """An ndarray of Python objects built through _reconstruct + BUILD."""
    arr = _call(_global(_NP, "_reconstruct"), _global("numpy", "ndarray"), _val((0,)), _val(b"b"))
    state = (
        b"("
        + _val(1)
        + _val((3,))
        + _dtype("O8")
        + _val(False)
        + b"]"
        + b"("
        + _val(1)
        + _val(2)
        + _val(3)
        + b"e"
        + b"tb"
    )
    return _pickle(b"}" + _val("loss") + arr + state + b"s")


def pickle_object_dtype_copyreg() -> bytes:
    """An ndarray made by copy_reg._reconstructor, then given object dtype by BUILD."""
    arr = _call(
        _global("copy_reg", "_reconstructor"), _global("numpy", "ndarray"), _global("numpy", "ndarray"), _val((3,))
    )
    state = b"(" + _val(1) + _val((3,)) + _dtype("O8") + _val(False) + b"](" + _val(1) + _val(2) + _val(3) + b"etb"
    return _pickle(b"}" + _val("loss") + arr + state + b"s")


def pickle_copyreg_huge_shape() -> bytes:
    """copy_reg._reconstructor(ndarray, ndarray, (10**10,)): ndarray.__new__ of 80 GB."""
    arr = _call(
        _global("copy_reg", "_reconstructor"), _global("numpy", "ndarray"), _global("numpy", "ndarray"), _val((10**10,))
    )
    return _pickle(b"}" + _val("loss") + arr + b"s")


def pickle_ndarray_call() -> bytes:
    """numpy.ndarray((10**10,)) called directly by REDUCE."""
    return _pickle(b"}" + _val("loss") + _call(_global("numpy", "ndarray"), _val((10**10,))) + b"s")


def pickle_subarray_dtype() -> bytes:
    """A shape-(1,) array whose dtype is a (14000, 14000) sub-array: 196M float64 in one item."""
    arr = _call(_global(_NP, "_reconstruct"), _global("numpy", "ndarray"), _val((1,)), _subarray_dtype())
    return _pickle(b"}" + _val("loss") + arr + b"s")


def pickle_zero_width_shape() -> bytes:
    """_reconstruct of shape (10**12, 0): no bytes at all, but 10**12 rows to walk."""
    arr = _call(_global(_NP, "_reconstruct"), _global("numpy", "ndarray"), _val((10**12, 0)), _val(b"f"))
    return _pickle(b"}" + _val("loss") + arr + b"s")


def pickle_huge_memo_index() -> bytes:
    """LONG_BINPUT 2**27: the C unpickler grows its memo table to 2**27 slots (1 GB)."""
    return b"\x80\x02]r" + struct.pack("<I", 2**27) + b"."


def pickle_shared_list(length: int = 2000, keys: int = 600) -> bytes:
    """One list of ``length`` numbers referenced (memo GET) by ``keys`` keys: each key is a column."""
    shared = b"](" + b"".join(b"K\x01" for _ in range(length)) + b"eq\x01"
    body = b"}" + _val("k0") + shared + b"s"
    body += b"".join(_val(f"k{i}") + b"h\x01s" for i in range(1, keys))
    return b"\x80\x02" + body + b"."


def pickle_copied_list(length: int = 2000, copies: int = 600) -> bytes:
    """builtins.list(shared) called ``copies`` times: every call copies the shared list."""
    shared = b"](" + b"".join(b"K\x01" for _ in range(length)) + b"eq\x01"
    body = b"}" + _val("k0") + shared + b"s"
    body += b"".join(_val(f"k{i}") + _global("builtins", "list") + b"h\x01\x85Rs" for i in range(1, copies))
    return b"\x80\x02" + body + b"."


# -- torch.save -----------------------------------------------------------------------------------
def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _storage_pid(key: str, numel: int, legacy: bool) -> bytes:
    pid = b"(" + _val("storage") + _global("torch", "FloatStorage") + _val(key) + _val("cpu") + _val(numel)
    if legacy:
        pid += _val(None)
    return pid + b"tQ"  # BINPERSID


def torch_stride_zero() -> bytes:
    """A zip torch.save whose tensor has size (10**9,) and stride (0,) over a 1-element storage."""
    tensor = _call(
        _global("torch._utils", "_rebuild_tensor_v2"),
        _storage_pid("0", 1, False),
        _val(0),
        _val((10**9,)),
        _val((0,)),
        _val(False),
        _global("collections", "OrderedDict") + b")R",
    )
    data = _pickle(b"}" + _val("loss") + tensor + b"s")
    return _zip({"archive/data.pkl": data, "archive/data/0": b"\x00\x00\x80?", "archive/version": b"3\n"})


def torch_legacy_storage_without_bytes() -> bytes:
    """A legacy torch.save declaring a storage of 5e7 floats (200 MB) in a file of ~300 bytes."""
    head = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    tensor = _call(
        _global("torch._utils", "_rebuild_tensor_v2"),
        _storage_pid("k", 50_000_000, True),
        _val(0),
        _val((50_000_000,)),
        _val((1,)),
        _val(False),
        _global("collections", "OrderedDict") + b")R",
    )
    obj = _pickle(b"}" + _val("loss") + tensor + b"s")
    return head + obj + pickle.dumps(["k"], protocol=2) + struct.pack("<q", 50_000_000)


def torch_zip_inflating_entry(megabytes: int = 64) -> bytes:
    """A zip torch.save whose storage entry is ~64 KB compressed and ``megabytes`` MB inflated."""
    buf = io.BytesIO()
    tensor = _call(
        _global("torch._utils", "_rebuild_tensor_v2"),
        _storage_pid("0", 4, False),
        _val(0),
        _val((4,)),
        _val((1,)),
        _val(False),
        _global("collections", "OrderedDict") + b")R",
    )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", _pickle(b"}" + _val("loss") + tensor + b"s"))
        with z.open("archive/data/0", "w", force_zip64=True) as fh:
            block = bytes(1024 * 1024)
            for _ in range(megabytes):
                fh.write(block)
    return buf.getvalue()


# -- YAML -----------------------------------------------------------------------------------------
def yaml_shared_list(length: int = 1000, keys: int = 5000) -> bytes:
    """One long list anchored once and aliased by thousands of keys."""
    text = "val_loss: [1.0, 0.5]\nloss: &a [" + ", ".join("1" for _ in range(length)) + "]\n"
    text += "".join(f"k{i}: *a\n" for i in range(keys))
    return text.encode()


def yaml_nested_aliases(levels: int = 9) -> bytes:
    """The billion-laughs layout: each level a list of nine aliases of the one before."""
    names = [f"l{i}" for i in range(levels + 1)]
    text = f"{names[0]}: &{names[0]} [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for prev, cur in zip(names, names[1:]):
        text += f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]\n"
    return (text + "loss: [1.0, 0.5]\n").encode()


# -- TensorBoard ---------------------------------------------------------------------------------
def _masked_crc(data: bytes) -> int:
    from histplot.readers._tfrecord import masked_crc32c

    return masked_crc32c(data)


def tfrecord(payload: bytes, *, good_crc: bool = True) -> bytes:
    length = struct.pack("<Q", len(payload))
    data_crc = _masked_crc(payload) if good_crc else (_masked_crc(payload) ^ 0x5A5A5A5A)
    return length + struct.pack("<I", _masked_crc(length)) + payload + struct.pack("<I", data_crc)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num: int, wire: int, payload: bytes) -> bytes:
    return _varint(num << 3 | wire) + payload


def _ld(num: int, data: bytes) -> bytes:
    return _field(num, 2, _varint(len(data)) + data)


def scalar_event(tag: str, step: int, value: float, wall: float = 1.7e9) -> bytes:
    """An Event{wall_time, step, summary{value{tag, simple_value}}} as TF1 writes it."""
    val = _ld(1, tag.encode()) + _field(2, 5, struct.pack("<f", value))
    return _field(1, 1, struct.pack("<d", wall)) + _field(2, 0, _varint(step)) + _ld(5, _ld(1, val))


def file_version_event() -> bytes:
    return _field(1, 1, struct.pack("<d", 1.7e9)) + _ld(3, b"brain.Event:2")


def tensorboard_events(records: int, *, bad_crc_at: int | None = None, truncate: int = 0) -> bytes:
    """An event file of ``records`` scalar records (after the version record), optionally with a
    CRC mismatch at one record or the last ``truncate`` bytes cut off. CRCs are computed for all
    records at once, so that a million records take seconds to make."""
    import numpy as np

    from histplot.readers._tfrecord import crc32c_many, masked

    payloads = [file_version_event()] + [scalar_event("loss", i, 1.0 / (i + 1)) for i in range(records)]
    lengths = np.array([len(p) for p in payloads], dtype=np.int64)
    heads = b"".join(struct.pack("<Q", n) for n in lengths.tolist())
    head_crc = masked(
        crc32c_many(np.frombuffer(heads, np.uint8), np.arange(len(payloads)) * 8, np.full(len(payloads), 8))
    )
    body = b"".join(payloads)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    data_crc = masked(crc32c_many(np.frombuffer(body, np.uint8), starts, lengths))
    if bad_crc_at is not None:
        data_crc[bad_crc_at + 1] ^= 0x5A5A5A5A
    out = bytearray()
    for i, p in enumerate(payloads):
        out += heads[8 * i : 8 * i + 8] + struct.pack("<I", int(head_crc[i])) + p + struct.pack("<I", int(data_crc[i]))
    return bytes(out[:-truncate] if truncate else out)


def json_empty_lists(count: int = 20_000) -> bytes:
    """A Keras-style history whose one list holds ``count`` empty lists: 3 bytes each in the file,
    a list object of 56 bytes and its slot once parsed."""
    return b'{"loss": [' + b",".join([b"[]"] * count) + b"]}"


def jsonl_empty_objects(lines: int = 1_200, per_line: int = 10) -> bytes:
    """JSON lines of many empty objects each: what each line becomes is mostly dict headers."""
    line = b'{"epoch": 1, "x": [' + b",".join([b"{}"] * per_line) + b"]}\n"
    return line * lines
