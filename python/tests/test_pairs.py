"""pi-pairs from Python against the driver's own run for the same digits."""
import csv
import subprocess

import pytest

import pipar
from pipar.pairs import chunk_tasks

np = pytest.importorskip("numpy")

N = 100_000


def driver_counts(driver, url, n, tmp):
    """driver pi-pairs' CSV for the first n digits, as a 10x10 array."""
    out = subprocess.run(
        [driver, "--file", url, "pi-pairs", "--digits", str(n),
         "--data-dir", str(tmp / "data"), "--results-dir",
         str(tmp / "results")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    counts = np.zeros(100, dtype=np.int64)
    with open(tmp / "results" / ("pi-pairs-%d.csv" % n)) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 100
    for row in rows:
        counts[int(row["pair"])] = int(row["count"])
    return counts.reshape(10, 10), out.stdout


def test_chunk_cut():
    # Every pair's first digit is in exactly one task; each task holds one
    # digit more than its pairs.
    for n, chunk, per in [(2, 1, 1), (11, 3, 2), (100, 10, 10), (101, 7, 3)]:
        tasks = chunk_tasks(n, chunk, per)
        assert tasks[0][0] == 0
        for (o1, l1), (o2, _) in zip(tasks, tasks[1:]):
            assert o1 + l1 - 1 == o2
        assert sum(length - 1 for _, length in tasks) == n - 1


def test_pi_pairs_equals_driver(client, cluster, tmp_path):
    driver, _, url = cluster
    data = str(tmp_path / "data")
    # No digits cached yet: pi_pairs runs `driver pi` for them.
    counts = client.pi_pairs(N, data_dir=data, chunk_digits=1000,
                             chunksize=10)
    assert (tmp_path / "data" / ("pi-%d.txt" % N)).exists()
    assert counts.shape == (10, 10) and counts.dtype == np.int64
    assert int(counts.sum()) == N - 1
    want, table = driver_counts(driver, url, N, tmp_path)
    assert (counts == want).all()
    # The same table as the driver prints.
    assert pipar.pairs_table(counts) in table
    # Counted here from the file, in Python, too.
    digits = open(tmp_path / "data" / ("pi-%d.txt" % N), "rb").read(N)
    mine = np.zeros((10, 10), dtype=np.int64)
    for a, b in zip(digits, digits[1:]):
        mine[a - 48, b - 48] += 1
    assert (mine == counts).all()
    # Other cuts, the same counts; a cached bigger file serves fewer digits.
    assert (client.pi_pairs(N, data_dir=data) == want).all()
    small = client.pi_pairs(5001, data_dir=data, chunk_digits=100)
    assert int(small.sum()) == 5000
    assert small[1, 4] == sum(1 for a, b in zip(digits[:5001], digits[1:5001])
                              if (a, b) == (ord("1"), ord("4")))


def test_pi_pairs_progress_and_async(client, tmp_path, capsys):
    ar = pipar.pi_pairs_async(client, 20_000, data_dir=str(tmp_path),
                              chunk_digits=1000)
    assert len(ar) == 20
    ar.wait_interactive(interval=0.05)
    assert "20/20 tasks finished" in capsys.readouterr().out
    counts = pipar.counts_of(ar)
    assert int(counts.sum()) == 19_999


def test_heatmap(client, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    counts = np.arange(100).reshape(10, 10)
    fig = pipar.heatmap(counts)
    ax = fig.axes[0]
    assert (ax.images[0].get_array() == counts).all()
    assert ax.get_xlabel() == "second digit"
    assert "first 4,951 digits" in ax.get_title()
    fig.savefig(tmp_path / "pairs.png")
    assert (tmp_path / "pairs.png").stat().st_size > 1000
