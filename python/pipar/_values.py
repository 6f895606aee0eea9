"""Python values <-> pipar values (pipar/value.h).

To pipar: an int is an i64 array of one item, a float an f64 array of one;
a list, tuple or range of ints an i64 array, with any float in it an f64
array; a numpy array of integers or floats an i64 / f64 array; str a
string; bytes, bytearray or memoryview bytes.

From pipar: i64 / f64 arrays are lists of int / float, a string str, bytes
bytes, a big integer an int.
"""
import numbers

from ._lib import ffi

T_NONE, T_I64, T_F64, T_BYTES, T_STR, T_BIGINT = range(6)

try:  # numpy is optional for the values; pairs needs it
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None


def _array(obj):
    """(type, cdata buffer, count) of a numeric sequence."""
    if _np is not None and isinstance(obj, _np.ndarray):
        if obj.ndim != 1:
            obj = obj.reshape(-1)
        if obj.dtype.kind in "iub":
            a = _np.ascontiguousarray(obj, dtype="<i8")
            return T_I64, ffi.from_buffer("int64_t[]", a), len(a)
        if obj.dtype.kind == "f":
            a = _np.ascontiguousarray(obj, dtype="<f8")
            return T_F64, ffi.from_buffer("double[]", a), len(a)
        raise TypeError("pipar: a numpy array of %s is no i64 or f64 array"
                        % obj.dtype)
    items = list(obj)
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool)
           for x in items):
        try:
            return T_I64, ffi.new("int64_t[]", items), len(items)
        except OverflowError:
            raise OverflowError("pipar: an item does not fit in int64")
    if all(isinstance(x, numbers.Real) and not isinstance(x, bool)
           for x in items):
        return T_F64, ffi.new("double[]", [float(x) for x in items]), \
            len(items)
    raise TypeError("pipar: a sequence of ints or floats is an array; "
                    "this one holds %s"
                    % sorted({type(x).__name__ for x in items}))


def encode(obj):
    """(type, cdata or bytes that must stay alive, size in bytes)."""
    if isinstance(obj, str):
        b = obj.encode("utf-8")
        return T_STR, b, len(b)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        buf = ffi.from_buffer(obj)
        return T_BYTES, buf, len(buf)
    if isinstance(obj, bool):
        raise TypeError("pipar: a bool is no pipar value (use 0 or 1)")
    if isinstance(obj, numbers.Integral):
        return encode([int(obj)])
    if isinstance(obj, numbers.Real):
        return encode([float(obj)])
    if obj is None:
        raise TypeError("pipar: None is no pipar value")
    t, buf, n = _array(obj)
    return t, buf, n * 8


class Args:
    """A pp_value[] borrowing the bytes of Python objects, alive as long
    as this object: for calls that copy what they send."""

    def __init__(self, lib, objs):
        self.keep = []
        self.n = len(objs)
        self.arr = ffi.new("pp_value[]", max(self.n, 1))
        for i, obj in enumerate(objs):
            t, buf, size = encode(obj)
            self.keep.append(buf)
            lib.pp_value_borrow(self.arr + i, t, buf, size)

    @property
    def ptr(self):
        return self.arr if self.n else ffi.NULL


def one(lib, obj):
    """A single borrowing pp_value (as Args) for scatter, push, map."""
    return Args(lib, [obj])


def decode(v):
    """A Python object from a pp_value (copied out of it)."""
    t, size = v.type, v.size
    if t == T_I64:
        return ffi.unpack(ffi.cast("int64_t *", v.data), size // 8)
    if t == T_F64:
        return ffi.unpack(ffi.cast("double *", v.data), size // 8)
    if t == T_STR:
        return ffi.unpack(ffi.cast("char *", v.data), size).decode("utf-8")
    if t == T_BYTES:
        return ffi.unpack(ffi.cast("char *", v.data), size)
    if t == T_BIGINT:
        raw = ffi.unpack(ffi.cast("char *", v.data), size)
        if len(raw) < 8:
            return 0
        sign = int.from_bytes(raw[:8], "little", signed=True)
        mag = int.from_bytes(raw[8:], "little")
        return -mag if sign < 0 else mag
    return None


def decode_values(vals):
    """A task's values: None for none, the value for one, else a tuple."""
    out = [decode(vals.v[i]) for i in range(vals.n)]
    if not out:
        return None
    return out[0] if len(out) == 1 else tuple(out)
