#!/usr/bin/python3
"""python_bench.py - the Python client against the C client, in the same
run on the same cluster: the round trip of one blocking apply of `noop` on
one engine (bench/apply_latency against c[i].apply_sync('noop')), and
no-op map tasks per second through the balanced scheduler at chunksize 10
(bench/throughput against lview.map_async('noop', ..., chunksize=10) then
wait() and successful(), the same work as the C loop).  Prints both
figures and their ratios (goals: round trip within 1.5x, map within 2x).

usage: bench/python_bench.py [--build DIR] [--count N] [--items N]
                             [--rounds R] [--pairs K]

DIR (build-bench, else build) holds apply_latency, throughput, driver and
libpipar.so; the package is imported from python/ unless one is installed
($PIPAR_LIB, else DIR/libpipar.so).  A 2-engine cluster is started under a
private PIPAR_DIR by DIR/driver and stopped on every exit.  The C and
Python measurements alternate K times (default 3); each figure is the best
(latency: lowest median) of them, on a machine others share."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode:
        sys.exit("python_bench: %s: %s" % (" ".join(cmd), out.stderr.strip()))
    return out.stdout


def c_latency(build, url, count):
    text = run([os.path.join(build, "apply_latency"), url, str(count), "noop"])
    return float(re.search(r"median ([\d.]+) us", text).group(1)), text.strip()


def c_throughput(build, url, items, rounds):
    text = run([os.path.join(build, "throughput"), url, str(items), "10",
                str(rounds)])
    return float(re.search(r": (\d+) tasks/s", text).group(1)), text.strip()


def py_latency(pipar, c, count):
    one = c[c.ids[0]]
    for _ in range(200):
        one.apply_sync("noop")
    rtt = []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        one.apply_sync("noop")
        rtt.append(time.perf_counter_ns() - t0)
    one.close()
    return statistics.median(rtt) / 1e3


def py_throughput(c, items, rounds):
    lview = c.load_balanced_view()
    seq = [0] * items
    tasks = (items + 9) // 10
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        ar = lview.map_async("noop", seq, chunksize=10)
        if not ar.wait(600) or not ar.successful():
            sys.exit("python_bench: the map failed: %r" % ar)
        s = time.perf_counter() - t0
        ar.close()
        best = max(best, tasks / s)
    lview.close()
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=3)
    a = ap.parse_args()
    build = a.build or next(
        (os.path.join(ROOT, d) for d in ("build-bench", "build")
         if os.path.exists(os.path.join(ROOT, d, "throughput"))), None)
    if not build:
        sys.exit("python_bench: no build-bench/ or build/ with the benchmarks "
                 "(cmake --build build), or give --build DIR")
    os.environ.setdefault("PIPAR_LIB", os.path.join(build, "libpipar.so"))
    try:
        import pipar
    except ImportError:
        sys.path.insert(0, os.path.join(ROOT, "python"))
        import pipar

    home = tempfile.mkdtemp(prefix="pipar-pybench.")
    os.environ["PIPAR_DIR"] = home
    driver = os.path.join(build, "driver")
    url = os.path.join(home, "profile_default", "security", "client.json")
    try:
        run([driver, "cluster", "start", "-n", "2", "--backlog", "0"])
        c = pipar.Client()
        print("python_bench: pipar %s over %s; C benchmarks from %s"
              % (pipar.__file__, pipar.library_path(), build))
        lat_c, lat_py, thr_c, thr_py = [], [], [], []
        for k in range(a.pairs):
            v, text = c_latency(build, url, a.count)
            lat_c.append(v)
            lat_py.append(py_latency(pipar, c, a.count))
            v, text2 = c_throughput(build, url, a.items, a.rounds)
            thr_c.append(v)
            thr_py.append(py_throughput(c, a.items, a.rounds))
            print("  pass %d: apply C %.1f us, Python %.1f us; map C %.0f, "
                  "Python %.0f tasks/s" % (k + 1, lat_c[-1], lat_py[-1],
                                           thr_c[-1], thr_py[-1]))
        c.close()
    finally:
        subprocess.run([driver, "cluster", "stop"], capture_output=True)
        subprocess.run(["rm", "-rf", home])
    lc, lp, tc, tp = min(lat_c), min(lat_py), max(thr_c), max(thr_py)
    print("apply round trip (noop, one engine, median of %d): C %.1f us, "
          "Python %.1f us: %.2fx (goal <= 1.5x)" % (a.count, lc, lp, lp / lc))
    print("map of %d no-op items, chunksize 10 (%d tasks, best of %d): "
          "C %.0f tasks/s, Python %.0f tasks/s: C/Python %.2fx (goal <= 2x)"
          % (a.items, (a.items + 9) // 10, a.rounds, tc, tp, tc / tp))


if __name__ == "__main__":
    main()
