"""Sidebar filters that refine a question's plan: services, log level, time range, namespace.

Filters apply to every question asked while they are set, and changing one re-asks the last
question with the new filters, so nobody has to retype it. "As asked" leaves that part of the
plan to the question ("in the last 3 hours", "지난 3시간").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from opslens_ui.contract import Filters, LogLevel, ServiceCatalog
from opslens_ui.i18n import Language, text

# Option ids (stable, what tests and session state hold); the sidebar shows OPTION_TEXT's words.
ANY = "as asked"
CUSTOM = "custom"
QUICK_RANGES: dict[str, timedelta | None] = {
    ANY: None,
    "last 15 minutes": timedelta(minutes=15),
    "last hour": timedelta(hours=1),
    "last 3 hours": timedelta(hours=3),
    "last 6 hours": timedelta(hours=6),
    "last 24 hours": timedelta(hours=24),
    "last 7 days": timedelta(days=7),
}
OPTION_TEXT = {  # option id -> message id
    ANY: "filters.any",
    CUSTOM: "filters.custom",
    "last 15 minutes": "filters.last_15m",
    "last hour": "filters.last_1h",
    "last 3 hours": "filters.last_3h",
    "last 6 hours": "filters.last_6h",
    "last 24 hours": "filters.last_24h",
    "last 7 days": "filters.last_7d",
    "error": "filters.level.error",
    "warn": "filters.level.warn",
    "info": "filters.level.info",
    "debug": "filters.level.debug",
}
LEVELS: list[LogLevel] = ["error", "warn", "info", "debug"]
CHANGED_FLAG = "filters-changed"
KEYS = {
    "services": "filter-services",
    "level": "filter-level",
    "range": "filter-range",
    "start": "filter-start",
    "end": "filter-end",
    "namespace": "filter-namespace",
}
SELECT_KEYS = (KEYS["level"], KEYS["range"], KEYS["namespace"])  # shown in the page's language


def build_filters(
    services: list[str],
    level: str,
    namespace: str,
    time_range: str,
    custom: tuple[datetime | None, datetime | None],
    now: datetime,
) -> Filters:
    """The wire filters for the sidebar's choices; quick ranges end at ``now``.

    Custom times without a zone are UTC, as the sidebar labels them.
    """
    start: datetime | None = None
    end: datetime | None = None
    span = QUICK_RANGES.get(time_range)
    if span is not None:
        start, end = now - span, now
    elif time_range == CUSTOM:
        start, end = (_as_utc(value) if value else None for value in custom)
    return Filters(
        services=services or None,
        level=next((candidate for candidate in LEVELS if candidate == level), None),
        namespace=None if namespace == ANY else namespace,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
    )


def describe(filters: Filters, language: Language) -> str:
    """The filters in a few words, for the question they were applied to."""
    parts = []
    if filters.services:
        parts.append(
            text("filters.describe.services", language, services=", ".join(filters.services))
        )
    if filters.level:
        parts.append(
            text("filters.describe.level", language, level=option_text(filters.level, language))
        )
    if filters.namespace:
        parts.append(text("filters.describe.namespace", language, namespace=filters.namespace))
    if filters.start or filters.end:
        end = filters.end or text("filters.describe.now", language)
        parts.append(text("filters.describe.window", language, start=filters.start or "…", end=end))
    return "; ".join(parts)


def option_text(option: str, language: Language) -> str:
    """How the sidebar shows an option: its words for a fixed choice, a name as it is."""
    key = OPTION_TEXT.get(option)
    return text(key, language) if key else option


def render_filters(catalog: ServiceCatalog | None, now: datetime, language: Language) -> Filters:
    """Draw the filters in the sidebar and return what they are set to (ranges end at ``now``)."""
    sidebar = st.sidebar
    sidebar.subheader(text("filters.title", language), divider="gray")
    if catalog is None:
        sidebar.caption(text("filters.no_catalog", language))
    known = catalog or ServiceCatalog()

    def shown(option: str) -> str:
        return option_text(option, language)

    services = sidebar.multiselect(
        text("filters.services", language),
        known.services,
        key=KEYS["services"],
        on_change=_mark_changed,
        placeholder=shown(ANY),
    )
    level = sidebar.selectbox(
        text("filters.level", language),
        [ANY, *LEVELS],
        format_func=shown,
        key=KEYS["level"],
        on_change=_mark_changed,
    )
    namespace = sidebar.selectbox(
        text("filters.namespace", language),
        [ANY, *known.namespaces],
        format_func=lambda option: shown(option) if option == ANY else option,
        key=KEYS["namespace"],
        on_change=_mark_changed,
    )
    time_range = sidebar.selectbox(
        text("filters.range", language),
        [*QUICK_RANGES, CUSTOM],
        format_func=shown,
        key=KEYS["range"],
        on_change=_mark_changed,
    )
    custom: tuple[datetime | None, datetime | None] = (None, None)
    if time_range == CUSTOM:
        default_end = now.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
        custom = (
            sidebar.datetime_input(
                text("filters.from", language),
                value=default_end - timedelta(hours=1),
                key=KEYS["start"],
                on_change=_mark_changed,
                step=timedelta(minutes=5),
            ),
            sidebar.datetime_input(
                text("filters.to", language),
                value=default_end,
                key=KEYS["end"],
                on_change=_mark_changed,
                step=timedelta(minutes=5),
            ),
        )
    sidebar.button(text("filters.clear", language), key="filter-clear", on_click=_clear)
    return build_filters(services, level, namespace, time_range, custom, now)


def take_change() -> bool:
    """True once after a filter changed (the caller then re-asks the last question)."""
    return bool(st.session_state.pop(CHANGED_FLAG, False))


def _mark_changed() -> None:
    st.session_state[CHANGED_FLAG] = True


def _clear() -> None:
    st.session_state[KEYS["services"]] = []
    st.session_state[KEYS["level"]] = ANY
    st.session_state[KEYS["namespace"]] = ANY
    st.session_state[KEYS["range"]] = ANY
    _mark_changed()


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
