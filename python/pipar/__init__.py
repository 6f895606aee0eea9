"""pipar: a Python client for pipar clusters, with ipyparallel's names.

    import pipar
    c = pipar.Client()                        # or profile=, url_file=
    c.ids
    c[:].apply_sync('hello')                  # ['Hello World', ...]
    dview = c[:]
    dview.scatter('x', range(64))
    dview.execute('y = powers(x)')
    dview.gather('y')
    lview = c.load_balanced_view()
    lview.map('powers', range(64), chunksize=10).get()
    counts = c.pi_pairs(1_000_000)            # 10x10 numpy array
    pipar.heatmap(counts)

Every call goes through libpipar.so, the C client library (found through
$PIPAR_LIB, pkg-config's libdir of an installed pipar, or the loader's
path); errors raise pipar.PiparError subclasses with pipar's message.
"""
from ._lib import LibraryNotFound
from .client import AsyncResult, Client, DirectView, LoadBalancedView
from .errors import (AbortedError, InterruptedError, InvalidError, NotFoundError,
                     OutOfMemoryError, PiparError, PiparIOError,
                     PiparOverflowError, ProtocolError, RemoteError,
                     TimeoutError, ZMQError)
from .pairs import (counts_of, digits_file, heatmap, pairs_table, pi_pairs,
                    pi_pairs_async)

__version__ = "0.1.0"


def library_path():
    """The path of the libpipar.so in use (loading it if needed)."""
    from . import _lib
    return _lib.get()[1]


__all__ = [
    "AsyncResult", "Client", "DirectView", "LoadBalancedView",
    "LibraryNotFound", "PiparError", "InvalidError", "OutOfMemoryError",
    "PiparIOError", "TimeoutError", "ProtocolError", "NotFoundError",
    "RemoteError", "ZMQError", "InterruptedError", "PiparOverflowError",
    "AbortedError",
    "counts_of", "digits_file", "heatmap", "pairs_table", "pi_pairs",
    "pi_pairs_async", "library_path",
]
