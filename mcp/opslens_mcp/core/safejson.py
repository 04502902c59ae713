"""JSON that always encodes: lone surrogates found, responses that never fail to render.

A JSON string may hold an escaped lone surrogate (``"\\ud800"``). Python decodes it into a
``str`` that UTF-8 cannot encode, so Starlette's ``JSONResponse`` fails with an HTTP 500. Such
values reach a response from a request body or from backend data (a log line), so every
response of the servers is rendered by :class:`SafeJSONResponse`: non-ASCII text as is, and
``\\uXXXX`` escapes only when a value could not be encoded otherwise.

Every answer of every call is rendered here, so the common case goes through orjson (several
times faster than the standard library on large answers); what orjson refuses (lone
surrogates, integers beyond 64 bits) falls back to the standard library. A tool's answer
model goes in as :func:`model_json`, JSON pydantic already wrote, embedded as is.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError
from starlette.responses import JSONResponse

_SURROGATE = re.compile("[\ud800-\udfff]")
_VALIDATION_KEYS = ("type", "loc", "msg")


def has_lone_surrogate(value: Any) -> bool:
    """Whether a string or key anywhere in a parsed JSON value holds a lone surrogate."""
    pending = [value]
    while pending:  # iterative: deeply nested values must not exhaust the stack
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def model_json(model: BaseModel) -> Any:
    """``model`` as a value :func:`json_bytes` writes as is: its JSON from pydantic in one step
    (no Python dict in between), or its plain-data dump when that JSON cannot be UTF-8 (a
    lone surrogate from a backend)."""
    try:
        return orjson.Fragment(model.model_dump_json(by_alias=True))
    except PydanticSerializationError:
        return model.model_dump(mode="json", by_alias=True)


def _fragment_value(value: Any) -> Any:
    if isinstance(value, orjson.Fragment):
        return orjson.loads(value.contents)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_text(value: Any) -> str:
    """Compact JSON, Korean and other text unescaped, lone surrogates as ``\\uXXXX``."""
    return json_bytes(value).decode("utf-8")


def json_bytes(value: Any) -> bytes:
    """:func:`json_text` as UTF-8 bytes (what a response body is)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return _stdlib_text(value).encode("utf-8")


def _stdlib_text(value: Any) -> str:
    options: dict[str, Any] = {
        "allow_nan": False,
        "separators": (",", ":"),
        "default": _fragment_value,
    }
    text = json.dumps(value, ensure_ascii=False, **options)
    if _SURROGATE.search(text):
        return json.dumps(value, ensure_ascii=True, **options)
    return text


class SafeJSONResponse(JSONResponse):
    """A JSON response that renders whatever strings its content holds."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


async def validation_error(request: Request, exc: Exception) -> SafeJSONResponse:
    """FastAPI's 422 answer without echoing the input (it can be huge, secret or unencodable)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{key: error[key] for key in _VALIDATION_KEYS if key in error} for error in errors]
    return SafeJSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)
