"""pi-pairs from Python: the article's figure.

    counts = c.pi_pairs(1_000_000)     # a 10x10 numpy array
    print(pipar.pairs_table(counts))   # the driver's table
    pipar.heatmap(counts)              # a matplotlib heat map

The digits come from a file `driver pi --digits N` wrote (data/pi-N.txt, or
any cached pi-M.txt with M >= N: its first N digits); when there is none,
pi_pairs runs that driver against the client's cluster to make one.  The
digits are cut into chunks that overlap by one digit (chunk i holds the
first digits of pairs [i*chunk_digits, (i+1)*chunk_digits) and one more),
`chunksize` chunks go in one task, and each task runs the engines' built-in
`pairs` workload, which returns the 100 counts of its digits; the tasks'
counts are summed.  The same cut as `driver pi-pairs`, so the counts are
the driver's.
"""
import os
import re
import shutil
import subprocess

from . import _lib
from .errors import InvalidError, NotFoundError


def find_driver():
    """The driver program: $PIPAR_DRIVER, the one installed beside
    libpipar.so (PREFIX/bin/driver), or `driver` on the PATH."""
    tried = []
    env = os.environ.get("PIPAR_DRIVER")
    if env:
        return env
    libpath = _lib.get()[1]
    if os.path.isabs(libpath):
        libdir = os.path.dirname(libpath)
        for cand in (os.path.join(libdir, "..", "bin", "driver"),
                     os.path.join(libdir, "driver")):  # a build tree
            if os.access(cand, os.X_OK):
                return os.path.normpath(cand)
            tried.append(cand)
    found = shutil.which("driver")
    if found:
        return found
    tried.append("driver on the PATH")
    raise NotFoundError("pipar: no driver program found (tried $PIPAR_DRIVER, "
                        + ", ".join(tried) + ")", -6)


def digits_file(n, data_dir="data", client=None, driver=None):
    """A file whose first n characters are the first n digits of pi: the
    smallest cached data_dir/pi-M.txt with M >= n, else one made by
    `driver --file CLIENT_JSON pi --digits n --data-dir data_dir`."""
    best = None
    if os.path.isdir(data_dir):
        for name in os.listdir(data_dir):
            m = re.fullmatch(r"pi-(\d+)\.txt", name)
            if m and int(m.group(1)) >= n and (best is None
                                               or int(m.group(1)) < best):
                best = int(m.group(1))
    if best is not None:
        return os.path.join(data_dir, "pi-%d.txt" % best)
    cmd = [driver or find_driver()]
    if client is not None:
        cmd += ["--file", client.url_file]
    cmd += ["pi", "--digits", str(n), "--data-dir", data_dir]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        lines = (out.stderr.strip() or out.stdout.strip()).splitlines()
        raise NotFoundError("pipar: %s failed: %s" % (
            " ".join(cmd), lines[-1] if lines else "exit %d" % out.returncode),
            -6)
    return os.path.join(data_dir, "pi-%d.txt" % n)


def chunk_tasks(digits, chunk_digits, chunksize):
    """The tasks' digits, as (offset, length) into the first `digits`
    digits: driver pi-pairs' cut (numeric/pairs.c pp_pairs_chunk)."""
    pairs = digits - 1
    nchunks = (digits - 2) // chunk_digits + 1
    out = []
    for first in range(0, nchunks, chunksize):
        last = min(first + chunksize, nchunks) - 1
        lo = first * chunk_digits
        hi = min(last * chunk_digits + chunk_digits, pairs)
        out.append((lo, hi + 1 - lo))
    return out


def pi_pairs_async(client, digits, data_dir="data", chunk_digits=100_000,
                   chunksize=1, path=None, retries=1):
    """Sends the pairs tasks for the first `digits` digits of pi on a
    load-balanced view; an AsyncResult of the per-task counts (use
    counts_of(ar) for the 10x10 array)."""
    digits = int(float(digits))  # 1e6 as well as 1_000_000
    if digits < 2:
        raise InvalidError("pipar: pi_pairs: %d digits make no pair" % digits,
                           -1)
    if chunk_digits < 1 or chunksize < 1:
        raise InvalidError("pipar: pi_pairs: chunk_digits and chunksize "
                           "must be positive", -1)
    if path is None:
        path = digits_file(digits, data_dir, client)
    with open(path, "rb") as f:
        data = f.read(digits)
    if len(data) < digits or not data.isdigit():
        raise InvalidError("pipar: %s: holds no %d digits" % (path, digits),
                           -1)
    view = memoryview(data)
    lview = client.load_balanced_view()
    lview.set_flags(retries=retries)
    tasks = chunk_tasks(digits, int(chunk_digits), int(chunksize))
    ar = lview._submit_each("pairs", [(view[o:o + n],) for o, n in tasks])
    ar.digits = digits
    ar.path = path
    return ar


def counts_of(ar):
    """The 10x10 numpy array of an AsyncResult of pairs tasks: row a,
    column b counts the pair 'ab'."""
    import numpy as np
    total = np.zeros(100, dtype=np.int64)
    for counts in ar.get():
        if len(counts) != 100:
            raise InvalidError("pipar: a pairs task returned no 100 counts",
                               -1)
        total += np.asarray(counts, dtype=np.int64)
    return total.reshape(10, 10)


def pi_pairs(client, digits, progress=False, **kw):
    """The counts of the 100 two-digit pairs in the first `digits` digits
    of pi, computed on the cluster: a 10x10 numpy array (row: first digit,
    column: second).  progress=True shows wait_interactive's bar.  Other
    arguments: see pi_pairs_async."""
    ar = pi_pairs_async(client, digits, **kw)
    try:
        if progress:
            ar.wait_interactive()
        return counts_of(ar)
    finally:
        ar.close()


def _commas(n):
    return "{:,}".format(n)


def pairs_table(counts, digits=None):
    """The table `driver pi-pairs` prints, from a 10x10 array (digits
    defaults to the pairs' count + 1)."""
    flat = [int(x) for row in counts for x in row]
    if digits is None:
        digits = sum(flat) + 1
    width = max(5, len(str(max(flat))))
    lines = ["Two-digit sequences in the first %s digits of pi"
             % _commas(digits),
             "(rows: first digit, columns: second digit)", "",
             "   " + "".join(" %*d" % (width, b) for b in range(10))]
    for a in range(10):
        lines.append("%d  " % a + "".join(" %*d" % (width, flat[10 * a + b])
                                          for b in range(10)))
    return "\n".join(lines)


def heatmap(counts, ax=None, title=None, annotate=True):
    """A matplotlib heat map of the 10x10 counts (the article's figure);
    returns the Figure."""
    import numpy as np
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 6))
    else:
        fig = ax.figure
    counts = np.asarray(counts)
    im = ax.imshow(counts, cmap="viridis", origin="upper")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("second digit")
    ax.set_ylabel("first digit")
    total = int(counts.sum())
    ax.set_title(title or "Two-digit sequences in the first %s digits of pi"
                 % _commas(total + 1))
    if annotate:
        mid = (counts.max() + counts.min()) / 2
        for a in range(10):
            for b in range(10):
                ax.text(b, a, str(int(counts[a, b])), ha="center",
                        va="center", fontsize=6,
                        color="black" if counts[a, b] > mid else "white")
    fig.colorbar(im, ax=ax, label="count")
    return fig
