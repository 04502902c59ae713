"""What every OpenSearch tool is given: settings, the searcher, sessions and time handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from typing import TypeVar

from opslens_mcp.opensearch.models import TimeParams, WindowParams
from opslens_mcp.opensearch.profiles import Profiles
from opslens_mcp.opensearch.searcher import Searcher
from opslens_mcp.opensearch.session import Family, SessionStore
from opslens_mcp.opensearch.settings import OpenSearchSettings
from opslens_mcp.opensearch.timerange import TimeRange, parse_now, resolve_range, zone_named

P = TypeVar("P", bound=WindowParams)


@dataclass
class ToolContext:
    """Dependencies of the tools, built once by ``create_service``."""

    settings: OpenSearchSettings
    searcher: Searcher
    sessions: SessionStore
    zone: tzinfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = zone_named(self.settings.timezone)

    @property
    def profiles(self) -> Profiles:
        return self.settings.profiles

    def window(self, params: TimeParams, default: timedelta | None = None) -> TimeRange:
        """The validated time range of a call (``default`` length when it gives no start)."""
        return resolve_range(
            params.start,
            params.end,
            now=parse_now(params.now, self.zone),
            default=default or timedelta(minutes=self.settings.default_window_minutes),
            limit=timedelta(days=self.settings.max_window_days),
            zone=self.zone,
        )

    def baseline(
        self, params: TimeParams, window: TimeRange, start: str | None, end: str | None
    ) -> TimeRange | None:
        """A comparison window (``start``/``end`` in the same forms), ending where ``window``
        starts unless told otherwise; ``None`` without a start."""
        if not start:
            return None
        return self.window(
            params.model_copy(update={"start": start, "end": end or window.iso()[0]})
        )

    def begin(self, family: Family, params: P) -> tuple[P, str | None]:
        """Apply session inheritance when asked; return the params to use and the session id."""
        session_id = self.sessions.session_id(params.session_id)
        if params.inherit:
            params = self.sessions.inherit(session_id, family, params)
        return params, session_id

    def finish(
        self, tool: str, family: Family, params: WindowParams, session_id: str | None
    ) -> None:
        """Remember this call's filters for the session's follow-ups."""
        self.sessions.remember(session_id, tool, family, params)
