"""The Python fuzzer's call generator (fuzz_python.py drives it).

Fuzz.iteration(source) makes a few arrays, then calls random public functions of weir.core
with random arguments, and checks that each call returns or raises an allowed exception with a
message. A finding raises Finding (the drivers turn it into a failure); a crash or hang is
caught by the driver around this process.
"""
import copy
import gc
import math
import operator
import os
import sys
import tempfile
import warnings

import weir.core as mx

try:
    import numpy as np
except ImportError:  # the numpy arguments are left out
    np = None

VERBOSE = False
warnings.simplefilter("ignore")  # numpy's divide-by-zero warnings from the numpy arguments
CALLS_PER_ITERATION = 40
MEMORY_LIMIT = 256 << 20  # huge shapes fail at eval with MemoryError, fast, instead of swapping


class Finding(Exception):
    """A call broke the contract (SystemError, an unexpected exception type, an empty message)."""


class Sentinel(Exception):
    """Raised by the hostile objects below; weir must let it through (or raise its own error)."""


# What a call may raise. Sentinel: an argument's own method raised it.
ALLOWED = (TypeError, ValueError, IndexError, KeyError, RuntimeError, MemoryError, OverflowError,
           ZeroDivisionError, NotImplementedError, AttributeError, BufferError, StopIteration, Sentinel)


class RandomSource:
    def __init__(self, rng):
        self.rng = rng

    def below(self, n):
        return self.rng.randrange(n) if n > 0 else 0

    def spent(self):
        return False


class BytesSource:
    def __init__(self, fdp):
        self.fdp = fdp

    def below(self, n):
        return self.fdp.ConsumeIntInRange(0, n - 1) if n > 1 else 0

    def spent(self):
        return self.fdp.remaining_bytes() == 0


# ---- hostile objects ----
class RaisingIndex:
    def __index__(self):
        raise Sentinel("__index__")

    def __int__(self):
        raise Sentinel("__int__")


class HugeIndex:
    def __index__(self):
        return 1 << 100


class RaisingFloat:
    def __float__(self):
        raise Sentinel("__float__")


class RaisingLen:
    def __len__(self):
        raise Sentinel("__len__")

    def __getitem__(self, i):
        raise Sentinel("__getitem__")


class LyingSeq:
    """Says it has 3 items and has 1."""

    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i == 0:
            return 1
        raise IndexError(i)


class NegativeLen:
    def __len__(self):
        return -1  # Python itself raises ValueError

    def __getitem__(self, i):
        return 0


class RaisingIter:
    def __iter__(self):
        raise Sentinel("__iter__")


class RaisingArray:
    def __array__(self, *a, **k):
        raise Sentinel("__array__")


class RaisingBool:
    def __bool__(self):
        raise Sentinel("__bool__")


HOSTILE = [RaisingIndex, HugeIndex, RaisingFloat, RaisingLen, LyingSeq, NegativeLen, RaisingIter, RaisingArray,
           RaisingBool, object, dict, set, bytearray, lambda: (lambda: 0), lambda: 1 + 2j, lambda: b"\x00\x01",
           lambda: memoryview(b"abcd"), lambda: range(3), lambda: iter([1, 2]), lambda: {"a": 1}]

SMALL_INTS = [0, 1, 2, 3, -1, -2, 4, 5, -5, 7]
EDGE_INTS = [2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**53 + 1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64,
             2**64 + 1, 10**30, -10**30, 10**6, 65536, 255, 256, -129]
FLOATS = [0.0, -0.0, 0.5, -1.5, 2.0, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan, 3.4e38, 65504.0, 1e6]
STRINGS = ["", "a", "float32", "int64", "bool", "cpu", "gpu", "ij,jk->ik", "i,i", "ij->ji", "...", "\x00", "é",
           "x" * 300, "constant", "edge", "axis", "-1", "1", "Device(cpu, 0)", "i,j->ij", "ii", "a,b,c"]
DIMS = [0, 1, 2, 3, 4, 5, 1, 2, -1, 2**31, 2**63 - 1, 10**6, 2**64, 2**40]
KEYWORDS = ["axis", "axes", "keepdims", "stream", "dtype", "shape", "k", "ddof", "reverse", "inclusive", "device",
            "num", "key", "loc", "scale", "low", "high", "endpoint", "decimals", "a_min", "a_max", "mode",
            "indices_or_sections", "pad_width", "constant_values", "repeats", "reps", "start", "stop", "step",
            "N", "M", "s", "source", "destination", "axis1", "axis2", "start_axis", "end_axis", "subscripts",
            "rtol", "atol", "equal_nan", "x", "y", "condition", "a", "b", "indices", "vals", "seed", "width",
            "n", "m", "kth", "bogus", "", "fill_value", "val", "path", "limit", "relaxed", "copy"]
DTYPE_NAMES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16",
               "bfloat16", "float32", "float64"]
DTYPES = [getattr(mx, n) for n in DTYPE_NAMES]
NP_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint64", "float16", "float32", "float64",
             "complex64", "object", "U3", "datetime64[s]"]

# Functions whose effects outlive the call are restored after it; some get safe arguments.
NOT_CALLED = {"start_capture", "stop_capture"}  # file output: called only with a temporary path


def public_functions():
    funcs = []
    for name in sorted(dir(mx)):
        if name.startswith("_") or name in NOT_CALLED:
            continue
        obj = getattr(mx, name)
        if callable(obj):
            funcs.append((name, obj))
    for name in sorted(dir(mx.random)):
        if not name.startswith("_") and callable(getattr(mx.random, name)):
            funcs.append(("random." + name, getattr(mx.random, name)))
    return funcs


ARRAY_METHODS = sorted(n for n in dir(mx.array) if not n.startswith("__") and callable(getattr(mx.array, n)))
ARRAY_PROPERTIES = sorted(n for n in dir(mx.array) if not n.startswith("__") and n not in ARRAY_METHODS)
BINARY_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
              operator.pow, operator.matmul, operator.lshift, operator.rshift, operator.and_, operator.or_,
              operator.xor, operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge,
              operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ifloordiv, operator.imod,
              operator.ipow, operator.imatmul, operator.ilshift, operator.irshift, operator.iand, operator.ior,
              operator.ixor, operator.getitem, operator.delitem, divmod]
UNARY_OPS = [operator.neg, operator.pos, abs, operator.invert, len, bool, int, float, repr, str, hash, list, iter,
             copy.copy, copy.deepcopy, operator.index, complex, memoryview, bytes]


class Fuzz:
    def __init__(self):
        self.funcs = public_functions()
        self.pool = []  # arrays of this iteration
        self.streams = [mx.default_stream(mx.cpu)]
        self.capture = os.path.join(tempfile.gettempdir(), f"weir_fuzz_capture.{os.getpid()}.json")
        mx.set_memory_limit(MEMORY_LIMIT)
        self.default_device = mx.default_device()
        self.default_stream = mx.default_stream(self.default_device)
        self.baseline = mx.get_active_memory()
        self.iterations_seen = 0
        self.called, self.returned = set(), set()  # entry points (by name) called / that returned

    # ---- values ----
    def pick(self, seq):
        return seq[self.src.below(len(seq))]

    def shape(self):
        return tuple(self.pick(DIMS) if self.src.below(6) == 0 else self.src.below(4) for _ in range(self.src.below(5)))

    def small_array(self):
        """A real array: a random small shape and dtype, made by one of several routes."""
        shape = tuple(self.src.below(4) for _ in range(self.src.below(4)))
        dt = self.pick(DTYPES)
        route = self.src.below(5)
        try:
            if route == 0:
                a = mx.zeros(shape, dtype=dt)
            elif route == 1:
                a = mx.full(shape, self.pick(FLOATS + SMALL_INTS), dtype=dt)
            elif route == 2:
                a = mx.arange(math.prod(shape)).reshape(shape).astype(dt)
            elif route == 3:
                a = mx.random.uniform(shape=shape) * 10
                a = a.astype(dt)
            else:
                a = mx.array(self.pick(SMALL_INTS + FLOATS), dtype=dt)
            if self.src.below(3) == 0:
                a = a.T if a.ndim > 1 else a[::-1] if a.ndim == 1 else a
        except ALLOWED:
            a = mx.array(1.0)
        return a

    def nested(self, depth):
        n = self.src.below(4)
        if depth > 2 or self.src.below(4) == 0:
            return [self.pick(SMALL_INTS + FLOATS + [True, None, "a"]) for _ in range(n)]
        items = [self.nested(depth + 1) for _ in range(n)]
        if self.src.below(8) == 0 and items:  # ragged
            items[0] = items[0] + [1] if isinstance(items[0], list) else [items[0]]
        return items

    def np_array(self):
        if np is None:
            return self.small_array()
        shape = tuple(self.src.below(4) for _ in range(self.src.below(4)))
        dt = self.pick(NP_DTYPES)
        try:
            a = np.zeros(shape, dtype=dt)
        except (TypeError, ValueError):
            a = np.zeros(shape)
        if self.src.below(3) == 0 and a.ndim:
            a = a[..., ::-1]  # not contiguous
        if self.src.below(4) == 0 and a.ndim > 1:
            a = a.T
        return a

    def value(self, depth=0):
        k = self.src.below(24)
        if k < 3:
            return self.pick(SMALL_INTS)
        if k == 3:
            return self.pick(EDGE_INTS)
        if k == 4:
            return self.pick(FLOATS)
        if k == 5:
            return self.pick([True, False, None])
        if k == 6:
            return self.pick(STRINGS)
        if k in (7, 8) and depth < 3:
            items = [self.value(depth + 1) for _ in range(self.src.below(4))]
            return tuple(items) if k == 7 else items
        if k in (9, 10, 11, 12):
            return self.pick(self.pool) if self.pool else self.small_array()
        if k == 13:
            return self.pick(DTYPES)
        if k == 14:
            return self.pick([mx.cpu, mx.gpu, mx.Device(mx.cpu), mx.DeviceType.cpu, mx.DeviceType.gpu])
        if k == 15:
            return self.pick(self.streams)
        if k == 16:
            return slice(self.pick([None] + SMALL_INTS + EDGE_INTS), self.pick([None] + SMALL_INTS),
                         self.pick([None, 1, -1, 2, 0, 2**63]))
        if k == 17:
            return Ellipsis
        if k == 18:
            return self.pick(HOSTILE)()
        if k == 19:
            v = self.nested(0)
            if self.src.below(16) == 0:
                v.append(v)  # self-referential
            return v
        if k == 20:
            return self.np_array()
        if k == 21:
            return self.shape()
        return self.small_array()

    def index_key(self):
        """An indexing key: ints, slices, None, Ellipsis, integer/bool arrays and lists, mixed."""
        def part():
            k = self.src.below(8)
            if k < 2:
                return self.pick(SMALL_INTS + EDGE_INTS[:6])
            if k == 2:
                return slice(self.pick([None] + SMALL_INTS + EDGE_INTS), self.pick([None] + SMALL_INTS + EDGE_INTS),
                             self.pick([None, 1, -1, 2, -3, 0]))
            if k == 3:
                return self.pick([None, Ellipsis, True, False])
            if k == 4:
                return mx.array([self.pick(SMALL_INTS) for _ in range(self.src.below(4))], dtype=self.pick(DTYPES))
            if k == 5:
                return [self.pick(SMALL_INTS + [True, 2**40]) for _ in range(self.src.below(4))]
            if k == 6:
                return self.pick(self.pool) if self.pool else self.small_array()
            return self.value()
        return part() if self.src.below(3) == 0 else tuple(part() for _ in range(self.src.below(5)))

    def arguments(self):
        n = self.src.below(5)
        args = [self.value() for _ in range(n)]
        if args and self.src.below(3):  # most functions take an array first
            args[0] = self.pick(self.pool) if self.pool else self.small_array()
        kwargs = {}
        for _ in range(self.src.below(3) if self.src.below(3) == 0 else 0):
            kwargs[self.pick(KEYWORDS)] = self.value()
        return args, kwargs

    # ---- calls ----
    def call(self, what, fn, *args, **kwargs):
        """Calls fn; checks the outcome. Returns the result or None."""
        if VERBOSE:
            print(f"{what}({', '.join(map(short, args))}{', ' if kwargs else ''}"
                  f"{', '.join(f'{k}={short(v)}' for k, v in kwargs.items())})", flush=True)
        self.called.add(what)
        try:
            r = fn(*args, **kwargs)
        except SystemError as e:
            raise Finding(f"{what}: SystemError: {e}") from e
        except RecursionError:
            return None  # a self-referential list, refused by depth: fine
        except ALLOWED as e:
            if not str(e) and not isinstance(e, (StopIteration, KeyError, Sentinel, IndexError, MemoryError)):
                raise Finding(f"{what}: {type(e).__name__} with an empty message") from e
            return None
        except Exception as e:
            raise Finding(f"{what}: unexpected {type(e).__name__}: {e}") from e
        self.returned.add(what)
        if VERBOSE:
            print(f"  -> {short(r)}", flush=True)
        return r

    def use_result(self, r):
        """Looks at a result the ways a user would: that evaluates it."""
        if isinstance(r, mx.array):
            if r.size <= 4096:
                if len(self.pool) < 12:
                    self.pool.append(r)
                else:
                    self.pool[self.src.below(len(self.pool))] = r
            how = self.src.below(6)
            if how == 0:
                self.call("repr", repr, r)
            elif how == 1:
                self.call("tolist", r.tolist)
            elif how == 2:
                self.call("item", r.item)
            elif how == 3 and np is not None:
                self.call("np.asarray", np.asarray, r)
        elif isinstance(r, (list, tuple)):
            for x in r[:4]:
                if isinstance(x, mx.array):
                    self.use_result(x)
        elif isinstance(r, mx.Stream) and len(self.streams) < 6:
            self.streams.append(r)

    def one_call(self):
        kind = self.src.below(10)
        if kind < 5:
            name, fn = self.pick(self.funcs)
            args, kwargs = self.arguments()
            r = self.call(name, fn, *args, **kwargs)
            self.restore(name)
        elif kind == 5:
            a = self.value()
            name = self.pick(ARRAY_METHODS + ARRAY_PROPERTIES)
            if not isinstance(a, mx.array):
                a = self.pick(self.pool) if self.pool else self.small_array()
            attr = getattr(a, name)
            if callable(attr):
                args, kwargs = self.arguments()
                if args and self.src.below(2):
                    args = args[1:]
                r = self.call("array." + name, attr, *args, **kwargs)
            else:
                r = attr
                if self.src.below(4) == 0:
                    self.call("setattr array." + name, setattr, a, name, self.value())
        elif kind == 6:
            op = self.pick(BINARY_OPS)
            a, b = self.value(), self.value()
            if not isinstance(a, mx.array) and not isinstance(b, mx.array):
                a = self.pick(self.pool) if self.pool else self.small_array()
            if self.src.below(2):
                a, b = b, a
            r = self.call(getattr(op, "__name__", "op"), op, a, b)
        elif kind == 7:
            op = self.pick(UNARY_OPS)
            a = self.pick(self.pool) if self.pool else self.small_array()
            r = self.call(getattr(op, "__name__", "op"), op, a)
            if op is iter and r is not None:
                r = self.call("next", next, r)
        elif kind == 8:
            a = self.pick(self.pool) if self.pool else self.small_array()
            key = self.index_key()
            k = self.src.below(3)
            if k == 0:
                r = self.call("setitem", operator.setitem, a, key, self.value())
            elif k == 1:
                r = self.call("getitem", operator.getitem, a, key)
            else:  # the constructor, from nested data
                data = self.nested(0) if self.src.below(2) else self.value()
                kw = {"dtype": self.pick(DTYPES + [None, "float32", int, float, bool])} if self.src.below(2) else {}
                r = self.call("array", mx.array, data, **kw)
        else:
            r = self.context_call()
        self.use_result(r)

    def context_call(self):
        """The context managers, and capture to a temporary file."""
        k = self.src.below(4)
        if k == 0:
            cm = self.call("stream", mx.stream, self.value())
        elif k == 1:
            cm = self.call("default_device", mx.default_device, self.value())
        elif k == 2:
            s = self.value()
            cm = s if isinstance(s, mx.Stream) else self.call("Stream", mx.Stream, s)
            if isinstance(cm, mx.Stream) and len(self.streams) < 6:
                self.streams.append(cm)
        else:
            self.call("start_capture", mx.start_capture, self.capture)
            self.one_call()
            self.call("stop_capture", mx.stop_capture)
            return None
        if cm is None or not hasattr(cm, "__enter__"):
            return None
        entered = self.call("__enter__", cm.__enter__)
        if entered is not None or True:
            self.one_call()
            self.call("__exit__", cm.__exit__, None, None, None)
        return None

    def restore(self, name):
        """Undoes the process-wide settings a call may have changed."""
        if name in ("set_memory_limit", "set_cache_limit", "clear_cache"):
            mx.set_memory_limit(MEMORY_LIMIT)
            mx.set_cache_limit(MEMORY_LIMIT)
        elif name in ("set_default_device", "set_default_stream"):
            mx.set_default_device(self.default_device)
            mx.set_default_stream(self.default_stream)

    def iteration(self, src):
        """One input: a few arrays, then up to CALLS_PER_ITERATION calls. Returns the call count."""
        self.src = src
        self.pool = [self.small_array() for _ in range(src.below(4) + 1)]
        n = 0
        try:
            for n in range(1, CALLS_PER_ITERATION + 1):
                if src.spent():
                    break
                self.one_call()
        finally:
            self.pool = []
            del self.streams[1:]
            self.call("synchronize", mx.synchronize)
            self.call("clear_streams", mx.clear_streams)
            if os.path.exists(self.capture):
                try:
                    mx.stop_capture()
                except ALLOWED:
                    pass
                os.remove(self.capture)
        self.check_memory()
        return n

    def check_memory(self):
        """Every array of the iteration is gone: active memory is back to where it was (a reference
        the module forgot to drop keeps a buffer alive). The first iterations set the baseline
        (the global random key is made on first use)."""
        mx.synchronize()
        active = mx.get_active_memory()
        if active != self.baseline:
            gc.collect()  # self-referential arguments, exception tracebacks
            mx.synchronize()
            active = mx.get_active_memory()
        if active != self.baseline:
            self.iterations_seen += 1
            if self.iterations_seen > 2:
                raise Finding(f"active memory {active} bytes after the iteration, {self.baseline} before (a leak)")
            self.baseline = active


def short(v):
    try:
        s = repr(v) if not isinstance(v, mx.array) else f"array(shape={v.shape}, dtype={v.dtype})"
    except Exception as e:  # a hostile object's repr, or an array that fails to evaluate
        s = f"<{type(v).__name__}: repr raised {type(e).__name__}>"
    return s if len(s) < 80 else s[:77] + "..."


if __name__ == "__main__":
    sys.exit("run fuzz_python.py")
