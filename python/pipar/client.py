"""Client, views and async results: ipyparallel's names over libpipar.

    c = pipar.Client()                   # ipp.Client(): the default profile
    c.ids                                # [0, 1, ...]
    c[:].apply_sync('hello')             # ['Hello World', ...]
    dview = c[:]
    dview.scatter('x', range(64))
    dview.execute('y = powers(x)')       # %px y = [i**10 for i in x]
    dview.gather('y')                    # [0, 1, 1024, ...]
    lview = c.load_balanced_view()
    lview.block = True
    lview.map('powers', range(64), chunksize=10)

Where ipyparallel runs a Python function, pipar runs a workload: a C
function the engines know by name (c.workloads() lists them).
"""
import ast
import contextlib
import datetime
import json
import os
import sys
import threading
import time
import weakref

from . import _lib
from ._lib import ffi
from ._values import Args, decode, decode_values, encode
from .errors import (InvalidError, NotFoundError, PiparError, RemoteError,
                     TimeoutError, error_for)

# How long one C wait may block before Python gets control back (to run
# signal handlers: Ctrl-C, and to update progress displays).
_SLICE_S = 0.25


def _raise(err):
    raise error_for(err.code, ffi.string(err.msg).decode("utf-8", "replace"))


def _counts(c):
    return {"aborted": c.aborted, "running": c.running,
            "unknown": c.unknown}


def _check(rc, err):
    if rc < 0:
        _raise(err)
    return rc


# As the driver's `load`: a module's source is at most 1 MiB.
_MODULE_SOURCE_MAX = 1 << 20


class Client:
    """A connection to a pipar controller (ipyparallel's Client).

    Client()                          the default profile's cluster
    Client(profile='name')            $PIPAR_DIR/profile_name/...
    Client(url_file='client.json')    a connection file (also: Client(path))
    timeout: seconds to wait for the controller to answer.
    """

    def __init__(self, url_file=None, profile=None, timeout=10.0):
        lib, self.library = _lib.get()
        self._lib = lib
        self._lock = threading.RLock()
        self._children = weakref.WeakSet()
        err = ffi.new("pp_error *")
        if url_file is not None and profile is not None:
            raise InvalidError("pipar: give url_file or profile, not both",
                               -1)
        if url_file is not None:
            self.url_file = str(url_file)
            ptr = lib.pp_client_connect(self.url_file.encode(), timeout, err)
        else:
            self.profile = profile or "default"
            buf = ffi.new("char[]", 4096)
            _check(lib.pp_client_profile_file(
                profile.encode() if profile else ffi.NULL, buf, 4096, err),
                err)
            self.url_file = ffi.string(buf).decode()
            ptr = lib.pp_client_connect_profile(
                profile.encode() if profile else ffi.NULL, timeout, err)
        if ptr == ffi.NULL:
            _raise(err)
        self._ptr = ptr

    # lifetime --------------------------------------------------------
    def close(self):
        """Ends every view and async result of this client, then it."""
        if getattr(self, "_ptr", None) is None:
            return
        with self._lock:
            for child in list(self._children):
                child.close()
            pp = ffi.new("pp_client **", self._ptr)
            self._lib.pp_client_destroy(pp)
            self._ptr = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if self._ptr is None:
            raise InvalidError("pipar: this client is closed", -1)
        return self._ptr

    # the cluster -----------------------------------------------------
    @property
    def ids(self):
        """The ids of the registered engines, ascending."""
        err = ffi.new("pp_error *")
        ids = ffi.new("int64_t **")
        n = ffi.new("size_t *")
        with self._lock:
            _check(self._lib.pp_client_ids(self._handle(), ids, n, err), err)
        try:
            return ffi.unpack(ids[0], n[0]) if n[0] else []
        finally:
            self._lib.free(ids[0])

    def status(self):
        """The controller's status (a dict, from its JSON)."""
        err = ffi.new("pp_error *")
        out = ffi.new("char **")
        with self._lock:
            _check(self._lib.pp_client_status(self._handle(), out, err), err)
        try:
            return json.loads(ffi.string(out[0]).decode("utf-8"))
        finally:
            self._lib.free(out[0])

    def queue_status(self, targets=None, verbose=False):
        """ipyparallel's queue_status: {engine id: {"queue": direct tasks
        sent to it and not answered, "tasks": load-balanced ones, the
        same, "completed": tasks it finished}, "unassigned": load-balanced
        tasks waiting in the controller for an engine}, for every engine
        or those of targets (an id or a list).  verbose (message ids) is
        not supported: the counts only."""
        if verbose:
            raise InvalidError("pipar: queue_status(verbose=True) is not "
                               "supported: the counts only", -1)
        st = self.status()
        want = None
        if targets is not None:
            want = {targets} if isinstance(targets, int) else set(targets)
        out = {}
        for e in st["engines"]:
            if want is not None and e["id"] not in want:
                continue
            balanced = e.get("balanced_outstanding", 0)
            out[e["id"]] = {"queue": e["outstanding"] - balanced,
                            "completed": e["tasks_done"],
                            "tasks": balanced}
        if want is not None and want - set(out):
            raise NotFoundError("no engine %s is registered"
                                % sorted(want - set(out))[0], -6)
        out["unassigned"] = st["tasks_queued"]
        return out

    def abort(self, jobs=None):
        """Aborts tasks that have not started (ipyparallel's
        Client.abort): jobs is an AsyncResult, a list of them, or None for
        every task of this client the controller still holds.  Of the
        tasks already at an engine, the running ones finish and those
        waiting there (hwm above 1) are skipped.  Returns the counts, as
        AsyncResult.abort does (summed over jobs)."""
        if jobs is not None:
            if isinstance(jobs, AsyncResult):
                jobs = [jobs]
            total = {"aborted": 0, "running": 0, "unknown": 0}
            for ar in jobs:
                for k, v in ar.abort().items():
                    total[k] += v
            return total
        err = ffi.new("pp_error *")
        counts = ffi.new("pp_abort_counts *")
        with self._lock:
            _check(self._lib.pp_client_abort_all(self._handle(), counts,
                                                 err), err)
        return _counts(counts)

    def shutdown(self, targets="all", restart=False, hub=False, block=None):
        """Stops engines (targets: "all", an id or a list of ids), each
        after the tasks it already holds, and with hub=True the
        controller too, once they have gone: ipyparallel's shutdown,
        for engines wherever they run.  An id no engine has raises
        NotFoundError and stops nothing.  Returns how many engines were
        told.  restart is not supported (start engines again with
        `engine --file`, or `driver cluster start`)."""
        del block  # the controller answers at once; the engines follow
        if restart:
            raise InvalidError("pipar: shutdown(restart=True) is not "
                               "supported: start the engines again", -1)
        ids = None
        if targets not in ("all", None):
            ids = [targets] if isinstance(targets, int) else list(targets)
        err = ffi.new("pp_error *")
        told = ffi.new("size_t *")
        arr = ffi.new("int64_t[]", ids) if ids is not None else ffi.NULL
        with self._lock:
            _check(self._lib.pp_client_shutdown(
                self._handle(), arr, len(ids) if ids is not None else 0,
                bool(hub), told, err), err)
        return told[0]

    def set_patience(self, seconds):
        """How long waits tolerate a silent controller (10 s default)."""
        self._lib.pp_client_set_patience(self._handle(), float(seconds))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, key):
        """c[:] every engine, c[0] one (its results are not lists), c[[0,
        2]] or c[1:] some: a DirectView."""
        if isinstance(key, int):
            if key < 0:
                key = self.ids[key]
            return DirectView(self, [key], single=True)
        if isinstance(key, slice):
            if key == slice(None):
                return DirectView(self, None)
            return DirectView(self, self.ids[key])
        return DirectView(self, list(key))

    def direct_view(self, targets="all"):
        return self[:] if targets in ("all", None) else self[targets]

    def load_balanced_view(self, targets=None):
        """A view whose tasks go to whichever engine is free."""
        if targets is not None:
            raise InvalidError("pipar: a load-balanced view spans every "
                               "engine (targets=None)", -1)
        return LoadBalancedView(self)

    def workloads(self):
        """{name: summary} of the workloads the engines can run."""
        text = self[self.ids[0]].apply_sync("workloads")
        out = {}
        for line in text.splitlines():
            name, _, summary = line.partition("\t")
            out[name] = summary
        return out

    def load(self, path, name=None):
        """Compiles the C module at `path` (a file that includes
        <pipar/workload.h>, docs/workloads.md) on every engine and adds its
        workloads, as `driver load` does: on every engine or on none.  A
        compile error raises RemoteError carrying the compiler's own
        file:line:column messages.  Returns {engine id: 'compiled',
        'cached' or 'unchanged'}.  Engines that start later get the module
        only from `driver load`, which records it in the profile."""
        with open(path, "rb") as f:
            src = f.read()
        if len(src) > _MODULE_SOURCE_MAX:
            raise InvalidError("load: %s is %d bytes; a module may have at "
                               "most %d" % (path, len(src),
                                            _MODULE_SOURCE_MAX),
                               InvalidError.code)
        if name is None:
            base = os.path.basename(path)
            name = base[:-2] if base.endswith(".c") else base
        view = self[:]
        report = ffi.new("pp_module_report **")
        err = ffi.new("pp_error *")
        states = ("compiled", "cached", "unchanged", "failed", "no answer")
        try:
            with self._lock:
                rc = self._lib.pp_view_load_module(
                    view._handle(), name.encode(), path.encode(), src,
                    len(src), report, err)
            r = report[0]
            out, failed = {}, []
            for i in range(r.n if r != ffi.NULL else 0):
                e = r.engines[i]
                out[e.engine] = states[e.state]
                if e.state == self._lib.PP_MODULE_FAILED:
                    output = ffi.string(e.messages).decode(
                        "utf-8", "replace") if e.messages else ""
                    failed.append("engine %d: %s did not compile:\n%s"
                                  % (e.engine, path, output.rstrip("\n")))
            self._lib.pp_module_report_free(report)
            if rc < 0 and failed:
                raise RemoteError("\n".join(failed)
                                  + "\nload: nothing was loaded",
                                  RemoteError.code)
            _check(rc, err)
            return out
        finally:
            view.close()

    def unload(self, name):
        """Removes the module `name` from every engine (driver unload);
        engines that never had it are not an error."""
        view = self[:]
        try:
            view.apply_sync("unload", name)
        except PiparError as e:
            if "no module named" not in str(e):
                raise
        finally:
            view.close()

    def pi_pairs(self, digits, **kw):
        """Counts of the 100 two-digit pairs in the first `digits` digits of
        pi as a 10x10 numpy array (see pipar.pairs.pi_pairs)."""
        from .pairs import pi_pairs
        return pi_pairs(self, digits, **kw)

    def __repr__(self):
        state = "closed" if self._ptr is None else "connected"
        return "<pipar.Client %s %s>" % (self.url_file, state)


class _Child:
    """Something a client hands out and ends before itself."""

    _ptr = None

    def _adopt(self, client, ptr):
        self.client = client
        self._lib = client._lib
        self._ptr = ptr
        client._children.add(self)

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def _handle(self):
        if self._ptr is None:
            raise InvalidError("pipar: this %s is closed"
                               % type(self).__name__, -1)
        return self._ptr


_AFTER_ARGS = {"none": 0, "copy": 1, "move": 2, "share": 3}


def _dependencies(after, flag="after"):
    """[(AsyncResult or None, msg_id), ...] from an AsyncResult, a msg_id
    or a list of them (for the flag named, after or follow)."""
    if isinstance(after, (AsyncResult, int)) and not isinstance(after, bool):
        after = [after]
    if isinstance(after, (str, bytes)):
        raise InvalidError("pipar: %s takes AsyncResults or msg_ids, "
                           "not %s" % (flag, type(after).__name__), -1)
    try:
        items = list(after)
    except TypeError:
        raise InvalidError("pipar: %s takes AsyncResults or msg_ids, "
                           "not %s" % (flag, type(after).__name__),
                           -1) from None
    out = []
    for item in items:
        if isinstance(item, AsyncResult):
            out.extend((item, i) for i in item.msg_ids)
        elif isinstance(item, int) and not isinstance(item, bool) \
                and 0 < item < 1 << 64:
            out.append((None, item))
        else:
            raise InvalidError("pipar: %s takes AsyncResults or msg_ids "
                               "(positive ints below 2**64), not %r"
                               % (flag, item), -1)
    return tuple(out)


def _take_masks(take, n):
    """after_take (one list of value indices per dependency) as bit masks."""
    try:
        take = [list(t) for t in take]
    except TypeError:
        raise InvalidError("pipar: after_take is a list, for each task of "
                           "after, of the indices of its values to take",
                           -1) from None
    if len(take) != n:
        raise InvalidError("pipar: after_take has %d entries for %d tasks "
                           "of after" % (len(take), n), -1)
    masks = []
    for t in take:
        m = 0
        for k in t:
            if not isinstance(k, int) or isinstance(k, bool) \
                    or not 0 <= k < 32:
                raise InvalidError("pipar: after_take: %r is not a value "
                                   "index from 0 to 31" % (k,), -1)
            m |= 1 << k
        masks.append(m)
    return masks


class _View(_Child):
    """What both views share: apply, map, flags, block."""

    single = False

    def __init__(self, client, ptr):
        self._adopt(client, ptr)
        self.block = False
        self._flags = {"retries": 0, "timeout": 0.0, "time_limit": 0.0,
                       "after": (), "after_args": None, "after_take": None,
                       "follow": ()}

    def close(self):
        if self._ptr is not None:
            with self.client._lock:
                self._lib.pp_view_destroy(ffi.new("pp_view **", self._ptr))
            self._ptr = None

    @property
    def targets(self):
        n = ffi.new("size_t *")
        t = self._lib.pp_view_targets(self._handle(), n)
        return ffi.unpack(t, n[0]) if n[0] else []

    def set_flags(self, retries=None, timeout=None, time_limit=None,
                  after=None, after_args=None, after_take=None,
                  follow=None):
        """retries: run a failed task again elsewhere (that many times);
        timeout: seconds a task may wait to start (0: no limit);
        time_limit: seconds a task may run before its engine's worker is
        stopped and restarted (0: no limit);
        after: the tasks that must succeed before the next ones start
        (ipyparallel's `after`): AsyncResults, msg_ids, or a list of them;
        [] for none.  A task whose dependency failed fails too, naming it;
        after_args: 'copy', 'move' or 'share' puts the dependencies'
        results, in the order of `after`, in front of the task's own
        arguments (pipar's; 'none', the default, only waits); 'share'
        copies them while other tasks sharing them still wait and moves
        them to the last one, so the results are let go once read;
        after_take: with after_args, for each dependency the indices of
        its result's values to take (the others do not travel); None:
        all;
        follow (ipyparallel's, load-balanced views): tasks the next ones
        wait for, as after, and must run beside: on the engine where they
        all ran (what they left there, a module's state or the namespace,
        is there).  Tasks that ran on different engines, or an engine gone
        since, fail the task naming them.  The AsyncResults named stay
        alive as long as the tasks that wait for them."""
        flags = dict(self._flags)
        if retries is not None:
            flags["retries"] = int(retries)
        if timeout is not None:
            flags["timeout"] = float(timeout)
        if time_limit is not None:
            flags["time_limit"] = float(time_limit)
        if after is not None:
            flags["after"] = _dependencies(after)
        if after_args is not None:
            if after_args not in _AFTER_ARGS:
                raise InvalidError("pipar: after_args is 'none', 'copy', "
                                   "'move' or 'share', not %r"
                                   % (after_args,), -1)
            flags["after_args"] = None if after_args == "none" \
                else after_args
        if after_take is not None:
            flags["after_take"] = after_take
        if follow is not None:
            flags["follow"] = _dependencies(follow, "follow")
        ids = [i for _, i in flags["after"]]
        follow_ids = [i for _, i in flags["follow"]]
        take = flags["after_take"]
        if take is not None:
            take = _take_masks(take, len(ids))
            if flags["after_args"] is None:
                raise InvalidError("pipar: after_take needs after_args "
                                   "'copy', 'move' or 'share'", -1)
        opts = ffi.new("pp_task_opts *")
        opts.retries = flags["retries"]
        opts.timeout_s = flags["timeout"]
        opts.time_limit_s = flags["time_limit"]
        keep = []  # alive until pp_view_set_flags has copied them
        if ids:
            keep.append(ffi.new("uint64_t[]", ids))
            opts.after = keep[-1]
            opts.nafter = len(ids)
            opts.after_args = _AFTER_ARGS[flags["after_args"] or "none"]
            if take is not None:
                keep.append(ffi.new("uint32_t[]", take))
                opts.after_take = keep[-1]
        if follow_ids:
            keep.append(ffi.new("uint64_t[]", follow_ids))
            opts.follow = keep[-1]
            opts.nfollow = len(follow_ids)
        err = ffi.new("pp_error *")
        with self.client._lock:
            _check(self._lib.pp_view_set_flags(self._handle(), opts, err),
                   err)
        self._flags = flags

    @contextlib.contextmanager
    def temp_flags(self, **flags):
        """with view.temp_flags(after=ar): ... - the flags for the tasks
        submitted inside, then the ones before (ipyparallel's)."""
        saved = dict(self._flags)
        self.set_flags(**flags)
        try:
            yield self
        finally:
            self._flags = saved
            self.set_flags()

    @property
    def after(self):
        """The tasks the next ones wait for (set_flags(after=...))."""
        return [i for _, i in self._flags["after"]]

    @after.setter
    def after(self, deps):
        self.set_flags(after=deps)

    @property
    def follow(self):
        """The tasks the next ones run beside (set_flags(follow=...))."""
        return [i for _, i in self._flags["follow"]]

    @follow.setter
    def follow(self, deps):
        self.set_flags(follow=deps)

    @property
    def retries(self):
        return self._flags["retries"]

    @retries.setter
    def retries(self, n):
        self.set_flags(retries=n)

    # apply -----------------------------------------------------------
    def apply_async(self, workload, *args):
        """Runs workload(*args): once on every engine of a direct view,
        once anywhere on a balanced one.  An AsyncResult."""
        a = Args(self._lib, args)
        err = ffi.new("pp_error *")
        with self.client._lock:
            ptr = self._lib.pp_view_apply_async(
                self._handle(), workload.encode(), a.ptr, a.n, err)
        if ptr == ffi.NULL:
            _raise(err)
        kind = "one" if self.single or isinstance(self, LoadBalancedView) \
            else "each"
        return self._made(AsyncResult(self, ptr, kind))

    def _made(self, ar):
        """ar waits for the view's `after` tasks: their AsyncResults live
        as long as it does (the library fails a task whose dependency's
        result was destroyed)."""
        ar._deps = [r for r, _ in self._flags["after"] + self._flags["follow"]
                    if r is not None]
        return ar

    def apply_sync(self, workload, *args):
        """apply_async(...).get(): a list, one result per engine, on a
        direct view of several; one result on c[i] or a balanced view."""
        return self.apply_async(workload, *args).get()

    def apply(self, workload, *args):
        """apply_sync when view.block is true, else apply_async."""
        ar = self.apply_async(workload, *args)
        return ar.get() if self.block else ar

    # map -------------------------------------------------------------
    def map_async(self, workload, seq, *extra, chunksize=None):
        """workload over seq: an AsyncResult whose get() is the flat list.

        A sequence of ints or floats (list, range, numpy array) is cut by
        the C library into tasks of `chunksize` items on a balanced view
        (default 1, as ipyparallel), or one contiguous block per engine on
        a direct view; each task runs workload(chunk, *extra) and the
        results are concatenated in order.  A sequence of other values
        (str, bytes, ...) makes one task per item, workload(item, *extra),
        and get() is the list of their results."""
        numeric = False
        if not isinstance(seq, (str, bytes, bytearray, memoryview)):
            if not hasattr(seq, "dtype"):
                seq = list(seq)  # a generator is read once
            try:
                numeric = encode(seq)[0] in (1, 2)
            except TypeError:
                numeric = False
        if numeric:
            s = Args(self._lib, [seq])
            x = Args(self._lib, extra)
            err = ffi.new("pp_error *")
            with self.client._lock:
                ptr = self._lib.pp_view_map_async(
                    self._handle(), workload.encode(), s.ptr,
                    int(chunksize or 0), x.ptr, x.n, err)
            if ptr == ffi.NULL:
                _raise(err)
            return self._made(AsyncResult(self, ptr, "map"))
        if chunksize not in (None, 1):
            raise InvalidError("pipar: chunksize applies to arrays of ints "
                               "or floats; other items go one a task", -1)
        return self._submit_each(workload, [(item,) + extra for item in seq])

    def _submit_each(self, workload, argsets):
        """One task per tuple of arguments, all in one AsyncResult."""
        lib = self._lib
        err = ffi.new("pp_error *")
        app = ffi.new("pp_async **")
        name = workload.encode()
        try:
            with self.client._lock:
                for args in argsets:
                    vals = ffi.new("pp_value[]", max(len(args), 1))
                    for i, obj in enumerate(args):
                        t, buf, size = encode(obj)
                        # pp_view_submit consumes its values: owned copies
                        if lib.pp_value_bytes(vals + i, t, buf, size):
                            raise MemoryError("pipar: out of memory")
                    _check(lib.pp_view_submit(self._handle(), app, name,
                                              vals, len(args), err), err)
        except BaseException:
            if app[0] != ffi.NULL:
                lib.pp_async_destroy(app)
            raise
        if app[0] == ffi.NULL:
            raise InvalidError("pipar: map over an empty sequence", -1)
        return self._made(AsyncResult(self, app[0], "tasks"))

    def map_sync(self, workload, seq, *extra, chunksize=None):
        return self.map_async(workload, seq, *extra,
                              chunksize=chunksize).get()

    def map(self, workload, seq, *extra, chunksize=None):
        """map_sync when view.block is true, else map_async."""
        ar = self.map_async(workload, seq, *extra, chunksize=chunksize)
        return ar.get() if self.block else ar


class DirectView(_View):
    """Every engine of the view runs each call (ipyparallel's
    DirectView): apply, scatter, execute, gather, push, pull."""

    def __init__(self, client, targets, single=False):
        err = ffi.new("pp_error *")
        if targets is None:
            tp, n = ffi.NULL, 0
        else:
            tp, n = ffi.new("int64_t[]", [int(t) for t in targets]), \
                len(targets)
        with client._lock:
            ptr = client._lib.pp_client_direct(client._handle(), tp, n, err)
        if ptr == ffi.NULL:
            _raise(err)
        super().__init__(client, ptr)
        self.single = single

    def _call(self, fn, *args):
        err = ffi.new("pp_error *")
        with self.client._lock:
            _check(fn(self._handle(), *args, err), err)

    def scatter(self, name, seq):
        """Cuts an array of ints or floats into contiguous blocks, one per
        engine in target order, stored as `name` there."""
        v = Args(self._lib, [seq])
        self._call(self._lib.pp_view_scatter, name.encode(), v.ptr)

    def execute(self, code_or_workload, inputs=None, output=None, *extra):
        """Runs a workload on every engine over names in their namespace.

        execute('y = powers(x)')            %px y = [i**10 for i in x]
        execute('y = powers(x, 3)')         literals after the names are
                                            extra arguments
        execute('powers', 'x', 'y')         the same, as pp_view_execute:
        execute('powers', ['x'], 'y', 3)    workload, inputs (names, a
                                            list or 'a,b'), output, *extra

        On each engine: output = workload(*inputs, *extra).  Blocks."""
        if inputs is None and output is None and "=" in code_or_workload:
            workload, inputs, output, extra = _parse_px(code_or_workload)
        else:
            workload = code_or_workload
            if inputs is None or output is None:
                raise InvalidError(
                    "pipar: execute('y = workload(x)') or execute(workload, "
                    "inputs, output, *extra)", -1)
        if not isinstance(inputs, str):
            inputs = ",".join(inputs)
        x = Args(self._lib, extra)
        self._call(self._lib.pp_view_execute, workload.encode(),
                   inputs.encode(), output.encode(), x.ptr, x.n)

    def push(self, ns):
        """Stores each value of the dict as its name on every engine."""
        for name, value in ns.items():
            v = Args(self._lib, [value])
            self._call(self._lib.pp_view_push, name.encode(), v.ptr)

    def pull(self, name):
        """`name` from every engine (a list, target order); one value on
        c[i].  Several names (a list) give a list per name."""
        if not isinstance(name, str):
            return [self.pull(n) for n in name]
        vals = ffi.new("pp_values *")
        try:
            self._call(self._lib.pp_view_pull, name.encode(), vals)
            out = [decode(vals.v[i]) for i in range(vals.n)]
        finally:
            self._lib.pp_values_free(vals)
        return out[0] if self.single else out

    def gather(self, name):
        """Pulls the array `name` from every engine and concatenates the
        blocks in scatter order: the flat list."""
        v = ffi.new("pp_value *")
        try:
            self._call(self._lib.pp_view_gather, name.encode(), v)
            return decode(v)
        finally:
            self._lib.pp_value_free(v)

    def __setitem__(self, name, value):
        self.push({name: value})

    def __getitem__(self, name):
        return self.pull(name)

    def __repr__(self):
        return "<DirectView %s>" % (self.targets,)


class LoadBalancedView(_View):
    """Each task goes to whichever engine the scheduler picks
    (ipyparallel's LoadBalancedView)."""

    def __init__(self, client):
        err = ffi.new("pp_error *")
        with client._lock:
            ptr = client._lib.pp_client_balanced(client._handle(), err)
        if ptr == ffi.NULL:
            _raise(err)
        super().__init__(client, ptr)

    def __repr__(self):
        return "<LoadBalancedView>"


def _parse_px(code):
    """'y = powers(x, 3)' -> ('powers', 'x', 'y', (3,))."""
    try:
        tree = ast.parse(code.strip(), mode="exec")
        (stmt,) = tree.body
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
        target = stmt.targets[0]
        call = stmt.value
        assert isinstance(target, ast.Name) and isinstance(call, ast.Call)
        assert isinstance(call.func, ast.Name) and not call.keywords
        names, extra = [], []
        for a in call.args:
            if isinstance(a, ast.Name) and not extra:
                names.append(a.id)
            else:
                extra.append(ast.literal_eval(a))
        return call.func.id, ",".join(names), target.id, tuple(extra)
    except (SyntaxError, AssertionError, ValueError, TypeError):
        raise InvalidError(
            "pipar: execute: '%s' is not 'output = workload(name, ..., "
            "literal, ...)'" % code, -1) from None


def _when(ns):
    if not ns:
        return None
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc)


class AsyncResult(_Child):
    """The tasks of one apply or map, as they finish (ipyparallel's
    AsyncResult / AsyncMapResult).

    get(timeout)   the result: waits, raises the first task's error
    ready(), wait(timeout), progress, len(ar), successful()
    for r in ar    results in submission order, each as soon as it is in
                   (a map yields its items)
    abort()        fails the tasks not yet started (AbortedError)
    as_completed() results in the order the tasks finish
    wait_interactive()  a progress bar until done
    metadata       per task: engine_id, submitted, started, completed
    serial_time, wall_time, elapsed, msg_ids
    """

    def __init__(self, view, ptr, kind):
        self._adopt(view.client, ptr)
        self.view = view
        self._kind = kind  # each | one | map | tasks
        self._n = self._lib.pp_async_len(ptr)
        self._results = {}
        self._t0 = time.monotonic()

    def close(self):
        if self._ptr is not None:
            with self.client._lock:
                self._lib.pp_async_destroy(ffi.new("pp_async **", self._ptr))
            self._ptr = None

    def __len__(self):
        return self._n

    @property
    def progress(self):
        """How many tasks have finished (without waiting)."""
        with self.client._lock:
            return self._lib.pp_async_progress(self._handle())

    def ready(self):
        with self.client._lock:
            return bool(self._lib.pp_async_ready(self._handle()))

    done = ready

    def wait(self, timeout=None):
        """Waits until every task finished, or timeout seconds (None: no
        limit).  True when all finished."""
        deadline = None if timeout is None or timeout < 0 \
            else time.monotonic() + timeout
        err = ffi.new("pp_error *")
        lib, ptr = self._lib, self._handle()
        while True:
            left = _SLICE_S if deadline is None \
                else min(_SLICE_S, deadline - time.monotonic())
            with self.client._lock:
                rc = lib.pp_async_wait(ptr, max(left, 0.0), err)
            if rc == 0:
                return True
            if rc != lib.PP_ETIMEDOUT and rc != lib.PP_EINTR:
                _raise(err)
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def abort(self):
        """Aborts the tasks that have not started (ipyparallel's
        AsyncResult.abort): they fail with pipar.AbortedError, "aborted
        before it ran"; of the tasks already at an engine ("running"),
        the running ones finish and those waiting there (hwm above 1) are
        skipped and fail the same way.  Waits for the controller's answer
        (at most the client's patience) and returns {"aborted": n,
        "running": m, "unknown": k} (unknown: finished meanwhile)."""
        err = ffi.new("pp_error *")
        counts = ffi.new("pp_abort_counts *")
        with self.client._lock:
            _check(self._lib.pp_async_abort(self._handle(), counts, err),
                   err)
        return _counts(counts)

    def successful(self):
        """Whether every task succeeded (only once ready)."""
        if not self.ready():
            raise InvalidError("pipar: the tasks have not all finished", -1)
        err = ffi.new("pp_error *")
        with self.client._lock:
            return self._lib.pp_async_first_error(self._handle(), err) == 0

    def _result(self, i):
        if i not in self._results:
            err = ffi.new("pp_error *")
            vals = ffi.new("pp_values **")
            with self.client._lock:
                _check(self._lib.pp_async_result(self._handle(), i, vals,
                                                 err), err)
                self._results[i] = decode_values(vals[0])
        return self._results[i]

    def _timeout(self, timeout):
        return TimeoutError(
            "pipar: %d of %d tasks finished within %g s"
            % (self.progress, self._n, timeout), -4)

    def get(self, timeout=None):
        """The result, after waiting up to timeout seconds (None: no
        limit; pipar.TimeoutError after it).  A failed task raises its
        error (RemoteError, pipar's message)."""
        if not self.wait(timeout):
            raise self._timeout(timeout)
        err = ffi.new("pp_error *")
        with self.client._lock:
            _check(self._lib.pp_async_first_error(self._handle(), err), err)
        if self._kind == "map":
            v = ffi.new("pp_value *")
            try:
                with self.client._lock:
                    rc = self._lib.pp_async_gather(self._handle(), v, err)
                if rc == 0:
                    return decode(v)
            finally:
                self._lib.pp_value_free(v)
            # Not arrays of one type (a workload returning nothing, or
            # strings): the items, a task's list flattened.
            return [x for i in range(self._n) for x in self._items(i)]
        results = [self._result(i) for i in range(self._n)]
        return results[0] if self._kind == "one" else results

    def _items(self, i):
        r = self._result(i)
        if self._kind == "map" and isinstance(r, list):
            return r
        return [r]

    def _wait_one(self, i):
        err = ffi.new("pp_error *")
        while True:
            with self.client._lock:
                rc = self._lib.pp_async_wait_one(self._handle(), i, _SLICE_S,
                                                 err)
            if rc == 0:
                return
            if rc != self._lib.PP_ETIMEDOUT and rc != self._lib.PP_EINTR:
                _raise(err)

    def __iter__(self):
        """Results in submission order, each as soon as it has arrived
        (a map's items one by one).  A failed task raises its error."""
        for i in range(self._n):
            self._wait_one(i)
            yield from self._items(i)

    def as_completed(self):
        """Each task's result in the order the tasks finish (a map's task
        yields its chunk, a list).  One cursor per AsyncResult."""
        err = ffi.new("pp_error *")
        i = ffi.new("size_t *")
        while True:
            with self.client._lock:
                rc = self._lib.pp_async_next(self._handle(), i, _SLICE_S, err)
            if rc == 1:
                yield self._result(i[0])
            elif rc == 0:
                return
            elif rc != self._lib.PP_ETIMEDOUT and rc != self._lib.PP_EINTR:
                _raise(err)

    # timing and metadata -------------------------------------------
    @property
    def metadata(self):
        """Per task (a list; one dict for a single task): engine_id,
        submitted, started, completed (UTC datetimes; None until known),
        status (0 or a pipar error code), msg_id."""
        out = []
        for i in range(self._n):
            m = self._lib.pp_async_meta(self._handle(), i)
            out.append({
                "engine_id": m.engine if m.engine >= 0 else None,
                "submitted": _when(m.submitted),
                "started": _when(m.started),
                "completed": _when(m.completed),
                "status": m.status,
                "msg_id": self._lib.pp_async_task_id(self._handle(), i),
            })
        return out[0] if self._kind == "one" else out

    @property
    def msg_ids(self):
        return [self._lib.pp_async_task_id(self._handle(), i)
                for i in range(self._n)]

    def _timing(self):
        t = ffi.new("pp_async_timing *")
        self._lib.pp_async_timing_get(self._handle(), t)
        return t

    @property
    def wall_time(self):
        """Seconds from the first submission to the last completion."""
        return self._timing().wall

    @property
    def serial_time(self):
        """The sum of the tasks' own run times, in seconds."""
        return self._timing().serial

    @property
    def elapsed(self):
        """Seconds since this result was created (here, in Python)."""
        return time.monotonic() - self._t0

    def wait_interactive(self, interval=1.0, timeout=None):
        """Waits with a progress display: a widget bar in a notebook where
        ipywidgets is installed, a tqdm bar on a terminal where tqdm is,
        else a plain line every `interval` seconds."""
        from ._progress import wait_interactive
        return wait_interactive(self, interval, timeout)

    def __repr__(self):
        if self._ptr is None:
            return "<AsyncResult closed>"
        return "<AsyncResult %d/%d tasks>" % (self.progress, self._n)
