"""Per-session context: the filters a session used last, so a follow-up can say "same again".

A session is named by ``session_id`` in the params or the ``X-Opslens-Session`` header. Each
remembers the last filters per family (``logs``, ``traces``) and its last few calls; sessions
expire after an idle TTL and at most ``max_sessions`` are kept (least recently used go first).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from cachetools import TTLCache
from pydantic import BaseModel

from opslens_mcp.core.tools import current_call

Family = Literal["logs", "traces"]
P = TypeVar("P", bound=BaseModel)
HISTORY = 10
# Params that steer one call and are never carried over to the next.
_NOT_INHERITED = {"session_id", "inherit", "cursor", "limit", "sort"}


@dataclass
class SessionState:
    filters: dict[Family, dict[str, Any]] = field(default_factory=dict)
    calls: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))


class SessionStore:
    """Bounded, expiring memory of sessions."""

    def __init__(self, *, ttl_s: float, max_sessions: int) -> None:
        self._sessions: TTLCache[str, SessionState] = TTLCache(maxsize=max_sessions, ttl=ttl_s)

    def session_id(self, explicit: str | None) -> str | None:
        """The id from the params, else from the call's header, else none."""
        return explicit or current_call().session_id

    def state(self, session_id: str) -> SessionState | None:
        return self._sessions.get(session_id)

    def remember(
        self, session_id: str | None, tool: str, family: Family, params: BaseModel
    ) -> None:
        if not session_id:
            return
        state = self._sessions.get(session_id) or SessionState()
        filters = params.model_dump(exclude=_NOT_INHERITED, exclude_defaults=True, mode="json")
        state.filters[family] = filters
        state.calls.append({"tool": tool, "filters": filters})
        self._sessions[session_id] = state  # re-inserting refreshes the idle TTL

    def inherit(self, session_id: str | None, family: Family, params: P) -> P:
        """``params`` with what this call left out taken from the session's last filters."""
        state = self._sessions.get(session_id) if session_id else None
        last = state.filters.get(family) if state else None
        if not last:
            return params
        fields = type(params).model_fields
        given = params.model_fields_set
        carried = {k: v for k, v in last.items() if k in fields and k not in given}
        return type(params).model_validate({**carried, **params.model_dump(include=given)})

    def __len__(self) -> int:
        return len(self._sessions)
