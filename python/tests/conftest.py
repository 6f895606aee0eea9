"""A real local cluster for the tests: `driver cluster start -n 2` under a
private PIPAR_DIR (loopback only), stopped by its own driver in teardown
whatever happened; the driver ends only the processes it started.

The driver is $PIPAR_DRIVER, else the one installed beside the libpipar.so
the package loaded (PREFIX/bin/driver, or a build tree's)."""
import os
import subprocess

import pytest

import pipar
from pipar.pairs import find_driver


@pytest.fixture(scope="session")
def driver():
    return find_driver()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, driver):
    """(driver, PIPAR_DIR, client.json) of a running 2-engine cluster."""
    home = tmp_path_factory.mktemp("pipar")
    old = os.environ.get("PIPAR_DIR")
    os.environ["PIPAR_DIR"] = str(home)  # Client() reads it, as the driver
    try:
        start = [driver, "cluster", "start", "-n", "2"]
        if os.geteuid() == 0:  # root's engines refuse modules unless told
            start.append("--allow-root-modules")
        out = subprocess.run(start, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        yield driver, home, str(home / "profile_default" / "security" /
                                "client.json")
    finally:
        stop = subprocess.run([driver, "cluster", "stop"],
                              capture_output=True, text=True, timeout=60)
        if old is None:
            del os.environ["PIPAR_DIR"]
        else:
            os.environ["PIPAR_DIR"] = old
        assert stop.returncode == 0, stop.stderr


@pytest.fixture(scope="session")
def client(cluster):
    c = pipar.Client()  # the default profile, under the private PIPAR_DIR
    yield c
    c.close()


@pytest.fixture
def dview(client):
    v = client[:]
    yield v
    v.close()


@pytest.fixture
def lview(client):
    v = client.load_balanced_view()
    yield v
    v.close()
