"""AsyncResult.wait_interactive's displays: an ipywidgets bar in a
notebook, a tqdm bar on a terminal, else a plain line."""
import sys
import time


def _in_notebook():
    ipython = sys.modules.get("IPython")  # a kernel has imported it
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _Widget:
    def __init__(self, n):
        import ipywidgets
        if int(ipywidgets.__version__.split(".")[0]) < 7:
            # ipywidgets 6 (Debian 12's) speaks a widget protocol today's
            # notebook front ends (and nbclient) do not render.
            raise ImportError("ipywidgets %s is older than 7"
                              % ipywidgets.__version__)
        from IPython.display import display
        self.bar = ipywidgets.IntProgress(min=0, max=n, value=0,
                                          description="tasks")
        self.label = ipywidgets.Label("0/%d" % n)
        self.n = n
        display(ipywidgets.HBox([self.bar, self.label]))

    def update(self, done, elapsed):
        self.bar.value = done
        self.label.value = "%d/%d tasks, %.1f s" % (done, self.n, elapsed)

    def close(self, ok):
        self.bar.bar_style = "success" if ok else "warning"


class _Tqdm:
    def __init__(self, n):
        from tqdm import tqdm
        self.bar = tqdm(total=n, unit="task", file=sys.stderr)
        self.done = 0

    def update(self, done, elapsed):
        if done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self, ok):
        self.bar.close()


class _Line:
    """ipyparallel's plain display: '  3/10 tasks finished after  2 s'."""

    def __init__(self, n, interval):
        self.n = n
        self.interval = interval
        self.last = None
        self.cr = _in_notebook() or sys.stdout.isatty()

    def update(self, done, elapsed, final=False):
        now = time.monotonic()
        if final or self.last is None or now - self.last >= self.interval:
            self.last = now
            text = "%4d/%d tasks finished after %4.1f s" % (done, self.n,
                                                             elapsed)
            if self.cr:
                sys.stdout.write("\r" + text + ("\n" if final else ""))
            else:
                sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def close(self, ok):
        pass


def choose(n, interval):
    """The display for n tasks: which one this environment can show."""
    if _in_notebook():
        try:
            return _Widget(n)
        except ImportError:
            return _Line(n, interval)
    if sys.stderr.isatty():
        try:
            return _Tqdm(n)
        except ImportError:
            pass
    return _Line(n, interval)


def wait_interactive(ar, interval=1.0, timeout=None):
    n = len(ar)
    display = choose(n, interval)
    t0 = time.monotonic() - ar.elapsed  # when the tasks were sent
    deadline = None if timeout is None or timeout < 0 \
        else time.monotonic() + timeout
    ok = False
    # Widgets and bars update often; the plain line every interval.
    step = min(0.1, interval)
    try:
        while True:
            left = step if deadline is None \
                else min(step, deadline - time.monotonic())
            ok = ar.wait(max(left, 0.0))
            done = ar.progress
            if isinstance(display, _Line):
                display.update(done, time.monotonic() - t0, final=ok)
            else:
                display.update(done, time.monotonic() - t0)
            if ok or (deadline is not None and time.monotonic() >= deadline):
                break
    finally:
        display.close(ok)
    if not ok:
        raise ar._timeout(timeout)
