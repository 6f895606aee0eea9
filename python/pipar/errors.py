"""Exceptions: one class per pipar error code, each carrying pipar's
one-line message (str(e)) and the code (e.code)."""
import builtins


class PiparError(Exception):
    """A pipar call failed; str(e) is pipar's one-line message."""

    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return self.message


class InvalidError(PiparError, ValueError):
    """PP_EINVAL: a bad value from the user or a file."""
    code = -1


class OutOfMemoryError(PiparError, MemoryError):
    """PP_ENOMEM."""
    code = -2


class PiparIOError(PiparError):
    """PP_EIO: a file could not be read or written."""
    code = -3


class TimeoutError(PiparError, builtins.TimeoutError):
    """PP_ETIMEDOUT: a peer did not answer in time, or a wait ran out."""
    code = -4

    def __str__(self):
        return self.message


class ProtocolError(PiparError):
    """PP_EPROTO: a malformed, unsigned or forged message."""
    code = -5


class NotFoundError(PiparError, LookupError):
    """PP_ENOENT: no such engine, workload, variable or file."""
    code = -6


class RemoteError(PiparError):
    """PP_EREMOTE: the task failed on its engine."""
    code = -7


class ZMQError(PiparError):
    """PP_EZMQ: ZeroMQ refused a call."""
    code = -8


class InterruptedError(PiparError):
    """PP_EINTR: interrupted."""
    code = -9


class PiparOverflowError(PiparError, OverflowError):
    """PP_EOVERFLOW: a result does not fit its type."""
    code = -10


class AbortedError(PiparError):
    """PP_EABORTED: the task was aborted before it ran."""
    code = -11


_BY_CODE = {cls.code: cls for cls in (
    InvalidError, OutOfMemoryError, PiparIOError, TimeoutError,
    ProtocolError, NotFoundError, RemoteError, ZMQError, InterruptedError,
    PiparOverflowError, AbortedError)}


def error_for(code, message):
    """The exception for a pipar error code and message."""
    return _BY_CODE.get(code, PiparError)(message, code)
