"""Executes examples/article.ipynb headless (nbclient) against the running
cluster of the default profile ($PIPAR_DIR), then checks its outputs: the
ids, Hello World once per engine, the 64 powers (computed here), the map
equal to them, and the pi-pairs table for 1e6 digits equal to the one
`driver pi-pairs --digits 1e6` prints and writes (CSV), and a PNG heat map.

usage: notebook_check.py NOTEBOOK DRIVER WORKDIR

The kernel is this interpreter (a kernelspec written under WORKDIR), so the
notebook imports the pipar this interpreter has.  The executed notebook is
left in WORKDIR/article.executed.ipynb."""
import ast
import base64
import csv
import json
import os
import subprocess
import sys

import nbformat
from nbclient import NotebookClient

N = 1_000_000


def fail(msg):
    print("notebook: " + msg, file=sys.stderr)
    sys.exit(1)


def outputs_by_tag(nb):
    out = {}
    for cell in nb.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            out[tag] = cell.get("outputs", [])
    return out


def result_text(outputs, tag):
    for o in outputs:
        if o.output_type == "execute_result":
            return o.data["text/plain"]
    fail("cell '%s' has no result" % tag)


def stdout_text(outputs):
    return "".join(o.text for o in outputs
                   if o.output_type == "stream" and o.name == "stdout")


def main():
    if len(sys.argv) != 4:
        fail("usage: notebook_check.py NOTEBOOK DRIVER WORKDIR")
    path, driver, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    # A kernel that runs this interpreter (Debian's python3 kernelspec runs
    # /usr/bin/python3, which would miss a venv's pipar).
    spec = os.path.join(work, "jupyter", "kernels", "pipar-python")
    os.makedirs(spec, exist_ok=True)
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump({"argv": [sys.executable, "-Xfrozen_modules=off", "-m",
                            "ipykernel_launcher", "-f",
                            "{connection_file}"],
                   "display_name": "pipar", "language": "python"}, f)
    os.environ["JUPYTER_PATH"] = os.path.join(work, "jupyter")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="pipar-python",
                   resources={"metadata": {"path": work}}).execute()
    nbformat.write(nb, os.path.join(work, "article.executed.ipynb"))
    outs = outputs_by_tag(nb)
    for tag, outputs in outs.items():
        for o in outputs:
            if o.output_type == "error":
                fail("cell '%s' raised %s: %s" % (tag, o.ename, o.evalue))

    # ids and Hello World, against the driver's view of the same cluster.
    ids = ast.literal_eval(subprocess.run(
        [driver, "--no-embed", "ids"], capture_output=True, text=True,
        check=True).stdout)
    got = ast.literal_eval(result_text(outs["ids"], "ids"))
    if got != ids or not ids:
        fail("ids: %r, the driver says %r" % (got, ids))
    hello = ast.literal_eval(result_text(outs["hello"], "hello"))
    if hello != ["Hello World"] * len(ids):
        fail("hello: %r" % (hello,))

    powers = [x ** 10 for x in range(64)]
    got = ast.literal_eval(result_text(outs["powers"], "powers"))
    if got != powers:
        fail("powers: %r" % (got,))
    if result_text(outs["map"], "map") != "True":
        fail("map: the balanced map's result is not the gathered y")
    if result_text(outs["async"], "async") != "64":
        fail("async: iterating the map did not give 64 items")
    if "7 tasks on engines" not in stdout_text(outs["async"]):
        fail("async: %r" % stdout_text(outs["async"]))

    # pi-pairs: the driver's run for the same digits (the notebook's cached
    # file in WORKDIR/data serves it).
    run = subprocess.run(
        [driver, "--no-embed", "pi-pairs", "--digits", "1e6", "--data-dir",
         os.path.join(work, "data"), "--results-dir",
         os.path.join(work, "results")],
        capture_output=True, text=True)
    if run.returncode:
        fail("driver pi-pairs: " + run.stderr.strip())
    lines = run.stdout.splitlines()
    start = lines.index("Two-digit sequences in the first 1,000,000 digits "
                        "of pi")
    want_table = "\n".join(lines[start:start + 14])
    text = stdout_text(outs["table"])
    if "tasks finished after" not in text:
        fail("pi-pairs: no progress line in %r" % text[:200])
    got_table = text[text.find("Two-digit"):].strip("\n")
    if got_table != want_table:
        fail("pi-pairs table differs from the driver's:\n%s\n--- driver:\n%s"
             % (got_table, want_table))
    with open(os.path.join(work, "results", "pi-pairs-%d.csv" % N)) as f:
        csv_counts = {r["pair"]: int(r["count"]) for r in csv.DictReader(f)}
    rows = got_table.splitlines()[4:]
    nb_counts = {"%d%d" % (a, b): int(rows[a].split()[1 + b])
                 for a in range(10) for b in range(10)}
    if nb_counts != csv_counts or sum(nb_counts.values()) != N - 1:
        fail("pi-pairs counts differ from the driver's CSV")

    pngs = [o.data["image/png"] for o in outs["heatmap"]
            if o.output_type == "display_data" and "image/png" in o.data]
    if len(pngs) != 1 or not base64.b64decode(pngs[0]).startswith(
            b"\x89PNG") or len(base64.b64decode(pngs[0])) < 10_000:
        fail("heatmap: no PNG figure in the output")
    print("notebook: ok (ids %s, Hello World x%d, 64 powers, map, pi-pairs "
          "1e6 table = driver's table and CSV, heat map %d bytes)"
          % (ids, len(ids), len(base64.b64decode(pngs[0]))))


if __name__ == "__main__":
    main()
