"""The Python client when a peer vanishes: an engine killed during a map
(its tasks run again elsewhere, with retries), an engine hung (SIGSTOP)
under a direct task (it fails naming the engine, and the engine comes back
when it goes on), an engine shut down (Client.shutdown), and the
controller killed (a call fails within the client's patience, naming
it).  A cluster of its own (profile pyfaults,
3 engines, heartbeats 0.2 s x 3), so the other tests' cluster is not
touched; these tests run in order, the last one ends its controller."""
import os
import signal
import subprocess
import time

import pytest

import pipar

PROFILE = "pyfaults"


@pytest.fixture(scope="module")
def faulty(cluster):
    driver = cluster[0]  # and the private PIPAR_DIR it set
    start = [driver, "--profile", PROFILE, "cluster", "start", "-n", "3",
             "--heartbeat-period", "0.2", "--heartbeat-misses", "3"]
    out = subprocess.run(start, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    c = pipar.Client(profile=PROFILE)
    try:
        yield c
    finally:
        c.close()
        subprocess.run([driver, "--profile", PROFILE, "cluster", "stop"],
                       capture_output=True, text=True, timeout=60)


def engine_pid(client, engine):
    for e in client.status()["engines"]:
        if e["id"] == engine:
            return e["pid"]
    raise AssertionError("no engine %d in the status" % engine)


def wait_for(cond, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("%s: not within %g s" % (what, seconds))


def test_a_killed_engines_tasks_run_again(faulty):
    lview = faulty.load_balanced_view()
    lview.set_flags(retries=2)
    ar = lview.map_async("sleep", [0.1] * 30)
    wait_for(lambda: ar.progress >= 3, 10, "first results")
    victim = faulty.ids[-1]
    os.kill(engine_pid(faulty, victim), signal.SIGKILL)
    assert ar.get(30) == [None] * 30  # every task, none failed
    assert ar.successful()
    wait_for(lambda: victim not in faulty.ids, 5, "the killed engine gone")
    assert lview.map_sync("powers", range(16), chunksize=4) == \
        [x ** 10 for x in range(16)]
    lview.close()


def test_a_hung_engine_fails_its_task_and_comes_back(faulty):
    ids = faulty.ids
    target = ids[0]
    pid = engine_pid(faulty, target)
    one = faulty[target]
    os.kill(pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        with pytest.raises(pipar.RemoteError) as e:
            one.apply_sync("hello")
        assert ("engine %d: died (no heartbeat for" % target) in str(e.value)
        assert time.monotonic() - t0 < 10
    finally:
        os.kill(pid, signal.SIGCONT)
    # Back under a new id; a view made now reaches it.
    wait_for(lambda: len(faulty.ids) == len(ids), 10, "the engine back")
    assert target not in faulty.ids
    assert faulty[:].apply_sync("hello") == ["Hello World"] * len(ids)
    # The view of before names an engine that is gone.
    with pytest.raises(pipar.PiparError) as e:
        one.apply_sync("hello")
    assert "no engine %d is registered" % target in str(e.value)
    one.close()


def test_shutdown_stops_an_engine_wherever_it_runs(faulty):
    ids = faulty.ids
    with pytest.raises(pipar.NotFoundError) as e:
        faulty.shutdown(targets=[ids[0], 99])
    assert str(e.value) == ("no engine 99 is registered (engines: %s); "
                            "nothing was stopped"
                            % ", ".join(str(i) for i in ids))
    assert faulty.ids == ids
    victim = ids[-1]
    pid = engine_pid(faulty, victim)
    assert faulty.shutdown(targets=victim) == 1
    wait_for(lambda: victim not in faulty.ids, 10, "the engine gone")

    def ended():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open("/proc/%d/stat" % pid) as f:  # a zombie has ended
            return f.read().split(") ")[1].startswith("Z")
    wait_for(ended, 10, "the engine's process ended")
    with pytest.raises(pipar.InvalidError):
        faulty.shutdown(restart=True)


def test_the_controller_killed_fails_a_call_in_time(faulty):
    pid = faulty.status()["pid"]
    lview = faulty.load_balanced_view()
    faulty.set_patience(1)
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    with pytest.raises(pipar.PiparError) as e:
        lview.apply_sync("hello")
    assert "no answer from the controller at" in str(e.value)
    assert str(e.value).endswith("for 1.0 s: the task was lost with it")
    assert time.monotonic() - t0 < 8
    lview.close()
