"""The errors a tool may raise, each mapped once to a JSON-RPC error code.

Tools raise these; the JSON-RPC layer turns them into ``error`` objects and the MCP layer into
``isError`` results. Anything else a tool raises is an internal error and is never shown in
detail to the caller (it is logged with the request id instead).

=======  ==============================  ==============================================
code     error                           ``error.data``
=======  ==============================  ==============================================
-32602   :class:`InvalidParams`          validation detail
-32000   :class:`BackendError`           ``{backend, status, detail}``
-32001   :class:`BackendUnavailable`     ``{backend, status, detail}``
-32002   :class:`BackendTimeout`         ``{backend, status, detail}``
-32003   :class:`CallTimeout`            ``{elapsed_ms, timeout_s}``
=======  ==============================  ==============================================

A backend error is ``transient`` when trying again may work (connection refused or reset,
HTTP 502/503/504); :mod:`opslens_mcp.core.retry` retries only those. Timeouts never are.
"""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


class ToolError(Exception):
    """Base of the errors a tool reports to its caller."""

    code: int = INTERNAL_ERROR

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class InvalidParams(ToolError):
    """The arguments are well-formed JSON but make no sense (bad range, unknown field...)."""

    code = INVALID_PARAMS


class BackendError(ToolError):
    """The backend answered with an error (bad query, missing index, forbidden...)."""

    code = -32000

    def __init__(
        self, backend: str, detail: str, status: int | None = None, *, transient: bool = False
    ) -> None:
        super().__init__(
            f"{backend} error: {detail}", {"backend": backend, "status": status, "detail": detail}
        )
        self.backend = backend
        self.status = status
        self.detail = detail
        self.transient = transient


class BackendUnavailable(BackendError):
    """The backend could not be reached at all (connection refused, DNS, TLS)."""

    code = -32001

    def __init__(
        self, backend: str, detail: str, status: int | None = None, *, transient: bool = False
    ) -> None:
        super().__init__(backend, detail, status, transient=transient)
        self.message = f"{backend} is unreachable: {detail}"
        self.args = (self.message,)


class BackendTimeout(BackendError):
    """The backend did not answer within the configured timeout (never retried)."""

    code = -32002

    def __init__(self, backend: str, detail: str, status: int | None = None) -> None:
        super().__init__(backend, detail, status)
        self.message = f"{backend} timed out: {detail}"
        self.args = (self.message,)


class CallTimeout(ToolError):
    """The whole tool call ran past the server's per-call timeout."""

    code = -32003

    def __init__(self, tool: str, elapsed_s: float, timeout_s: float) -> None:
        super().__init__(
            f"{tool} did not finish within {timeout_s:g}s",
            {"elapsed_ms": round(elapsed_s * 1000, 1), "timeout_s": timeout_s},
        )
