"""What JSON-RPC 2.0 requires of a server's answer, as checks and as an oracle.

The oracle says, from a request alone, which error the specification calls for (or that the
request is valid); the tests compare it with what the real server answered.
"""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERRORS = range(-32099, -32000 + 1)  # implementation-defined (backend errors here)
DISCOVERY = ("list_tools", "rpc.discover", "tools/list")
TOOLS_CALL = "tools/call"
_MISSING = object()


def valid_id(value: Any) -> bool:
    """Ids this server accepts: a string, an integer or null (fractions SHOULD NOT be used)."""
    return value is None or (isinstance(value, (str, int)) and not isinstance(value, bool))


def check_response(answer: Any) -> None:
    """One Response object as the specification's section 5 shapes it."""
    assert isinstance(answer, dict), answer
    assert answer.get("jsonrpc") == "2.0", answer
    assert "id" in answer and valid_id(answer["id"]), answer
    assert ("result" in answer) != ("error" in answer), answer
    assert set(answer) <= {"jsonrpc", "id", "result", "error"}, answer
    if "error" in answer:
        error = answer["error"]
        assert isinstance(error, dict) and set(error) <= {"code", "message", "data"}, error
        assert isinstance(error["code"], int) and not isinstance(error["code"], bool), error
        assert isinstance(error["message"], str) and error["message"], error


def expected_outcome(request: Any, tools: set[str]) -> tuple[bool, Any, int | None]:
    """``(answered, id, error code)`` the specification calls for; code None: not decided by
    the protocol (a result, invalid params or a backend error)."""
    if not isinstance(request, dict):
        return True, None, INVALID_REQUEST
    request_id = request.get("id", _MISSING)
    notification = request_id is _MISSING
    reply_id = None if notification or not valid_id(request_id) else request_id
    method, params = request.get("method"), request.get("params")
    invalid = (
        request.get("jsonrpc") != "2.0"
        or not isinstance(method, str)
        or not method
        or (not notification and not valid_id(request_id))
        or (params is not None and not isinstance(params, (dict, list)))
    )
    if invalid:
        return True, reply_id, INVALID_REQUEST
    if notification:
        return False, None, None
    if method == TOOLS_CALL:
        if not isinstance(params, dict) or not isinstance(params.get("name"), str):
            return True, reply_id, None  # invalid params: the server's call, not the protocol's
        method = params["name"]
    if method not in tools and method not in DISCOVERY:
        return True, reply_id, METHOD_NOT_FOUND
    return True, reply_id, None


def check_undecided(answer: dict[str, Any]) -> None:
    """A call the protocol let through: a result, or an error that is the caller's or the
    backend's, never an internal error."""
    if "error" in answer:
        code = answer["error"]["code"]
        assert code == INVALID_PARAMS or code in SERVER_ERRORS, answer
