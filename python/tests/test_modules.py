"""c.load / c.unload: a C module compiled on every engine, as `driver load`
does; a compile error comes back with the compiler's file:line and nothing
is loaded."""
import pytest

import pipar

SQ = r'''#include <pipar/workload.h>

static int cube(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    int64_t x;
    if (pp_arg_i64(args, nargs, 0, &x, err))
        return err->code;
    return pp_ret_i64(out, x * x * x, err);
}

PP_MODULE({ "py_cube", "x*x*x of one i64", cube });
'''

BAD = '''#include <pipar/workload.h>

static int broken(const pp_value *a, size_t n, pp_values *o, pp_error *e) { return nope; }

PP_MODULE({ "py_broken", "does not compile", broken });
'''


def test_load_apply_map_unload(client, tmp_path):
    src = tmp_path / "pycube.c"
    src.write_text(SQ)
    states = client.load(str(src))
    assert sorted(states) == client.ids
    assert set(states.values()) <= {"compiled", "cached", "unchanged"}
    assert "py_cube" in client.workloads()
    # pp_ret_i64 returns a one-item i64 array, as `driver apply` shows.
    assert client[:].apply_sync("py_cube", 7) == [[343]] * len(client.ids)
    lview = client.load_balanced_view()
    assert lview.map_sync("py_cube", range(20), chunksize=1) == \
        [x ** 3 for x in range(20)]
    # The same source again: nothing to compile.
    again = client.load(str(src))
    assert set(again.values()) <= {"cached", "unchanged"}
    client.unload("pycube")
    assert "py_cube" not in client.workloads()
    client.unload("pycube")  # not an error: nobody has it


def test_a_compile_error_loads_nothing(client, tmp_path):
    src = tmp_path / "pybad.c"
    src.write_text(BAD)
    with pytest.raises(pipar.RemoteError) as e:
        client.load(str(src))
    assert "pybad.c:3:" in str(e.value)
    assert "nothing was loaded" in str(e.value)
    assert "py_broken" not in client.workloads()
