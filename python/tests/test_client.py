"""The article's calls from Python against a real 2-engine cluster; every
expected value is computed here, in Python, independently."""
import datetime
import os
import subprocess
import sys
import time

import pytest

import pipar

POWERS = [x ** 10 for x in range(64)]


def test_ids(client):
    assert client.ids == [0, 1]
    assert len(client) == 2


def test_connect_by_file_and_profile(cluster):
    _, home, url = cluster
    with pipar.Client(url_file=url) as c:
        assert c.ids == [0, 1]
        assert c.url_file == url
    with pipar.Client(profile="default") as c:
        assert c.url_file == url


def test_no_cluster_for_profile(cluster):
    _, home, _ = cluster
    with pytest.raises(pipar.NotFoundError) as e:
        pipar.Client(profile="nosuch")
    want = str(home / "profile_nosuch" / "security" / "client.json")
    assert want in str(e.value)
    assert "\n" not in str(e.value)


def test_hello(client):
    assert client[:].apply_sync("hello") == ["Hello World", "Hello World"]
    assert client[0].apply_sync("hello") == "Hello World"
    assert client[-1].apply_sync("hello") == "Hello World"
    ar = client[:].apply_async("hello")
    assert isinstance(ar, pipar.AsyncResult)
    assert ar.get(10) == ["Hello World"] * 2


def test_scatter_execute_gather_powers(dview):
    dview.scatter("x", range(64))
    dview.execute("y = powers(x)")  # %px y = [i**10 for i in x]
    assert dview.gather("y") == POWERS
    # The same, in pp_view_execute's terms, with an extra argument.
    dview.execute("powers", "x", "z", 3)
    assert dview.gather("z") == [x ** 3 for x in range(64)]
    dview.execute("w = powers(x, 2)")
    assert dview.gather("w") == [x * x for x in range(64)]
    # Each engine holds its contiguous block of x.
    assert dview.pull("x") == [list(range(32)), list(range(32, 64))]


def test_numpy_in(dview):
    np = pytest.importorskip("numpy")
    dview.scatter("xn", np.arange(64, dtype=np.int32))
    dview.execute("yn = powers(xn)")
    assert dview.gather("yn") == POWERS
    dview.scatter("f", np.linspace(0, 1, 5))
    assert dview.gather("f") == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_push_pull(client, dview):
    dview.push({"a": [1, 2, 3], "s": "text"})
    assert dview.pull("a") == [[1, 2, 3], [1, 2, 3]]
    assert dview.pull("s") == ["text", "text"]
    dview["b"] = [0.5]
    assert client[1]["b"] == [0.5]


def test_values_round_trip(client):
    got = client[0].apply_sync("echo", 7, 2.5, [1, -2, 2 ** 62], [1, 2.5],
                               "héllo", b"\x00\xffbytes")
    assert got == ([7], [2.5], [1, -2, 2 ** 62], [1.0, 2.5], "héllo",
                   b"\x00\xffbytes")
    assert client[0].apply_sync("noop") is None
    with pytest.raises(TypeError):
        client[0].apply_sync("echo", True)
    with pytest.raises(OverflowError):
        client[0].apply_sync("echo", 2 ** 63)


def test_balanced_map_chunksize_10(lview):
    lview.block = True
    assert lview.map("powers", range(64), chunksize=10) == POWERS
    lview.block = False
    ar = lview.map("powers", range(64), chunksize=10)
    assert isinstance(ar, pipar.AsyncResult)
    assert len(ar) == 7  # ceil(64 / 10) tasks
    assert ar.get(30) == POWERS
    assert lview.map_sync("powers", list(range(64))) == POWERS  # 64 tasks


def test_map_items_one_a_task(lview):
    assert lview.map_sync("echo", ["a", "b", "c"]) == ["a", "b", "c"]
    assert lview.map_sync("sleep", [0.01, 0.01]) == [None, None]


def test_async_result(client, lview):
    ar = lview.map_async("powers", range(64), chunksize=10)
    assert len(ar) == 7
    assert list(ar) == POWERS  # in order, as the results arrive
    assert ar.ready() and ar.progress == 7 and ar.successful()
    ids = set(client.ids)
    meta = ar.metadata
    assert len(meta) == 7
    for m in meta:
        assert m["engine_id"] in ids
        assert isinstance(m["submitted"], datetime.datetime)
        assert m["submitted"] <= m["started"] <= m["completed"]
        assert m["status"] == 0
    assert len(set(ar.msg_ids)) == 7
    assert ar.wall_time > 0 and ar.serial_time >= 0
    # Completion order: every chunk once.
    ar2 = lview.map_async("powers", range(64), chunksize=10)
    chunks = list(ar2.as_completed())
    assert sorted(x for chunk in chunks for x in chunk) == POWERS
    assert sorted(len(chunk) for chunk in chunks) == [4] + [10] * 6


def test_progress_rises(lview):
    ar = lview.map_async("sleep", [0.2] * 4)  # 2 rounds on 2 engines
    assert not ar.ready()
    assert ar.progress < 4
    seen = []
    for i, r in enumerate(ar):
        assert r is None
        seen.append(ar.progress)
        assert ar.progress >= i + 1
    assert seen[-1] == 4
    assert ar.serial_time >= 0.8 * 0.99
    assert ar.wall_time >= 0.4 * 0.99
    assert {m["engine_id"] for m in ar.metadata} == {0, 1}


def test_wait_interactive_plain(lview, capsys):
    ar = lview.map_async("powers", range(64), chunksize=10)
    ar.wait_interactive(interval=0.05)
    out = capsys.readouterr().out
    assert "7/7 tasks finished" in out
    assert ar.get() == POWERS


def test_apply_balanced_and_block(lview):
    assert lview.apply_sync("hello") == "Hello World"
    ar = lview.apply("hello")
    assert ar.get(10) == "Hello World"
    assert isinstance(ar.metadata, dict) and ar.metadata["engine_id"] in (0, 1)
    lview.block = True
    assert lview.apply("hello") == "Hello World"


def test_unknown_workload_raises_pipar_message(client):
    with pytest.raises(pipar.RemoteError) as e:
        client[0].apply_sync("nosuch")
    assert str(e.value) == "engine 0: no workload named 'nosuch'"
    assert isinstance(e.value, pipar.PiparError)
    assert e.value.code == -7
    with pytest.raises(pipar.RemoteError, match=r"^engine 1: fail: boom$"):
        client[1].apply_sync("fail", "boom")
    ar = client[:].apply_async("powers", [2], -1)
    with pytest.raises(pipar.RemoteError,
                       match=r"^engine 0: powers: exponent -1 is negative$"):
        ar.get(10)
    assert not ar.successful()


def test_bad_calls(client, dview):
    with pytest.raises(pipar.PiparError) as e:
        dview.gather("never_scattered")
    assert "never_scattered" in str(e.value)
    with pytest.raises(pipar.InvalidError):
        dview.execute("this is not an assignment")
    with pytest.raises(pipar.PiparError):
        client[[7]].apply_sync("hello")


def test_get_timeout(lview):
    ar = lview.apply_async("sleep", 0.5)
    with pytest.raises(pipar.TimeoutError) as e:
        ar.get(0.05)
    assert isinstance(e.value, TimeoutError)
    assert str(e.value) == "pipar: 0 of 1 tasks finished within 0.05 s"
    assert ar.get(10) is None


def test_library_not_found_names_what_was_tried(tmp_path):
    missing = tmp_path / "nowhere" / "libpipar.so"
    env = dict(os.environ, PIPAR_LIB=str(missing))
    out = subprocess.run(
        [sys.executable, "-c", "import pipar; pipar.Client()"],
        capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode != 0
    assert "LibraryNotFound" in out.stderr
    assert str(missing) in out.stderr and "$PIPAR_LIB" in out.stderr


def test_library_found():
    path = pipar.library_path()
    assert os.path.basename(path).startswith("libpipar.so")


def test_queue_status(client, lview):
    ids = client.ids
    before = client.queue_status()
    assert set(before) == set(ids) | {"unassigned"}
    assert before["unassigned"] == 0
    for i in ids:
        assert before[i]["queue"] == 0 and before[i]["tasks"] == 0
    # 2 engines, one task each at a time (--hwm 1): in one snapshot each
    # of the 6 tasks is waiting, at an engine or done.
    ar = lview.map_async("sleep", [0.3] * 6)

    def where(qs):
        done = sum(qs[i]["completed"] - before[i]["completed"] for i in ids)
        return qs["unassigned"], sum(qs[i]["tasks"] for i in ids), done
    deadline = time.monotonic() + 10
    while True:
        waiting, running, done = where(client.queue_status())
        if (running == 2 and waiting + running + done == 6) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert running == 2 and waiting + running + done == 6
    ar.get(10)
    after = client.queue_status(targets=ids)
    assert sum(after[i]["completed"] - before[i]["completed"]
               for i in ids) == 6
    assert client.queue_status(targets=ids[0]).keys() == \
        {ids[0], "unassigned"}
    with pytest.raises(pipar.NotFoundError) as e:
        client.queue_status(targets=[99])
    assert str(e.value) == "no engine 99 is registered"
    with pytest.raises(pipar.InvalidError):
        client.queue_status(verbose=True)


def test_abort(client, lview):
    # 2 engines, one task each at a time (--hwm 1): 2 run, 18 wait.
    ar = lview.map_async("sleep", [0.3] * 20)
    counts = ar.abort()
    assert counts["running"] <= 2
    assert counts["aborted"] + counts["running"] + counts["unknown"] == 20
    assert counts["aborted"] >= 16
    assert ar.wait(10)
    aborted = 0
    for i in range(20):
        try:
            assert ar._result(i) is None  # sleep returns nothing
        except pipar.AbortedError as e:
            assert str(e) == "aborted before it ran"
            assert e.code == -11
            aborted += 1
    # A task at an engine that had not started when the engine read the
    # abort is skipped there: aborted too.
    assert counts["aborted"] <= aborted \
        <= counts["aborted"] + counts["running"]
    with pytest.raises(pipar.AbortedError):
        ar.get(0)
    assert client.status()["tasks_queued"] == 0
    assert client.abort() == {"aborted": 0, "running": 0, "unknown": 0}


def test_after_waits_for_its_dependencies(lview):
    # ipyparallel's `after`: the second task starts once the first is done,
    # though an engine is free all along (2 engines).
    first = lview.apply_async("sleep", 0.3)
    with lview.temp_flags(after=first):
        assert lview.after == first.msg_ids
        second = lview.apply_async("echo", 5)
    assert lview.after == []  # temp_flags put the flags back
    assert second.get(10) == [5]  # echo returns its values: an i64 array
    assert second.metadata["started"] >= first.metadata["completed"]
    # A map waits too, every task of it: on a list of AsyncResults.
    a, b = lview.apply_async("sleep", 0.2), lview.apply_async("sleep", 0.2)
    lview.set_flags(after=[a, b])
    m = lview.map_async("powers", range(8), chunksize=4)
    lview.set_flags(after=[])
    assert m.get(10) == [x ** 10 for x in range(8)]
    done = max(a.metadata["completed"], b.metadata["completed"])
    assert all(t["started"] >= done for t in m.metadata)


def test_after_args_pass_results_on(lview):
    # pipar's after_args: the dependency's result goes in front of the
    # task's own arguments: powers(powers([1, 2, 3], 2), 3).
    sq = lview.apply_async("powers", [1, 2, 3], 2)
    with lview.temp_flags(after=sq, after_args="copy"):
        cubed = lview.apply_async("powers", 3)
    assert cubed.get(10) == [1, 64, 729]
    # after_take: of echo's three values, the first and the last.
    three = lview.apply_async("echo", 1, "two", 3.0)
    with lview.temp_flags(after=[three], after_args="copy",
                          after_take=[[0, 2]]):
        two = lview.apply_async("echo")
    assert two.get(10) == ([1], [3.0])  # two values: a tuple
    # By msg_id, across AsyncResults; moved.
    x = lview.apply_async("echo", 7)
    with lview.temp_flags(after=x.msg_ids[0], after_args="move"):
        y = lview.apply_async("echo", 8)
    assert y.get(10) == ([7], [8])
    # x's values went to y: reading x names that, not an empty result.
    with pytest.raises(pipar.NotFoundError) as e:
        x.get(10)
    assert str(e.value) == ("task 0's result was handed on to the "
                            "tasks after it (after_args move or share)")


def test_after_args_share_lets_the_result_go(lview):
    # Two tasks share sq's result (held together behind a gate): each gets
    # it, the last one takes it, and a task sharing it after that fails
    # naming sq.
    gate = lview.apply_async("sleep", 0.3)
    with lview.temp_flags(after=gate):
        sq = lview.apply_async("powers", [1, 2, 3], 2)
    with lview.temp_flags(after=sq, after_args="share"):
        cubed = lview.apply_async("powers", 3)
        fifth = lview.apply_async("powers", 5)
    assert cubed.get(10) == [1, 64, 729]
    assert fifth.get(10) == [1, 1024, 59049]
    with lview.temp_flags(after=sq, after_args="share"):
        late = lview.apply_async("powers", 3)
    with pytest.raises(pipar.PiparError) as e:
        late.get(10)
    assert ("the result of task %016x was already handed on to other tasks"
            % sq.msg_ids[0]) in str(e.value)


def test_follow_runs_beside_the_tasks_followed(lview, client):
    # Four followers of one task run on its engine (two engines: they
    # would spread otherwise); tasks of both engines cannot be followed.
    first = lview.apply_async("echo", 1)
    first.get(10)
    at = first.metadata["engine_id"]
    with lview.temp_flags(follow=first):
        followers = [lview.apply_async("hello") for _ in range(4)]
    assert [f.get(10) and f.metadata["engine_id"] for f in followers] \
        == [at] * 4
    assert lview.follow == []
    on = [client[e].apply_async("echo", 2) for e in client.ids[:2]]
    with lview.temp_flags(follow=on):
        split = lview.apply_async("hello")
    with pytest.raises(pipar.PiparError) as e:
        split.get(10)
    assert str(e.value) == (
        "follows tasks that ran on different engines: task %016x on "
        "engine %d, task %016x on engine %d"
        % (on[0].msg_ids[0], client.ids[0], on[1].msg_ids[0],
           client.ids[1]))
    with pytest.raises(pipar.InvalidError) as e:
        client[:].set_flags(follow=first)
    assert str(e.value) == ("follow is for a load-balanced view's tasks "
                            "(a direct view names its engines)")
    with pytest.raises(pipar.InvalidError) as e:
        lview.set_flags(follow="first")
    assert str(e.value) == ("pipar: follow takes AsyncResults or msg_ids, "
                            "not str")


def test_after_a_failed_task_fails_naming_it(lview):
    bad = lview.apply_async("fail", "no luck")
    with lview.temp_flags(after=bad):
        dep = lview.apply_async("hello")
    with pytest.raises(pipar.PiparError) as e:
        dep.get(10)
    msg = str(e.value)
    assert "depends on task %016x, which failed" % bad.msg_ids[0] in msg
    assert "no luck" in msg


def test_after_bad_flags_are_refused(lview):
    for bad, want in [
            ("soon", "pipar: after takes AsyncResults or msg_ids, not str"),
            (["soon"], "pipar: after takes AsyncResults or msg_ids "
                       "(positive ints below 2**64), not 'soon'"),
            (3.5, "pipar: after takes AsyncResults or msg_ids, not float"),
            ([-1], "pipar: after takes AsyncResults or msg_ids "
                   "(positive ints below 2**64), not -1")]:
        with pytest.raises(pipar.InvalidError) as e:
            lview.set_flags(after=bad)
        assert str(e.value) == want
    with pytest.raises(pipar.InvalidError) as e:
        lview.set_flags(after_args="sideways")
    assert str(e.value) == ("pipar: after_args is 'none', 'copy', 'move' "
                            "or 'share', not 'sideways'")
    ar = lview.apply_async("hello")
    with pytest.raises(pipar.InvalidError) as e:
        lview.set_flags(after=ar, after_take=[[0]])
    assert str(e.value) == ("pipar: after_take needs after_args 'copy', "
                            "'move' or 'share'")
    with pytest.raises(pipar.InvalidError) as e:
        lview.set_flags(after=ar, after_args="copy", after_take=[[0], [1]])
    assert str(e.value) == "pipar: after_take has 2 entries for 1 tasks of after"
    with pytest.raises(pipar.InvalidError) as e:
        lview.set_flags(after=ar, after_args="copy", after_take=[[40]])
    assert str(e.value) == ("pipar: after_take: 40 is not a value index "
                            "from 0 to 31")
    # Nothing changed by the refusals: no dependency, tasks run at once.
    assert lview.after == []
    assert lview.apply_async("hello").get(10) == "Hello World"
    ar.get(10)
