"""Log filters as the tools accept them, and their translation into one query per log source.

Every log tool takes the same :class:`LogFilters`; each enabled source (container logs, OTel
logs) gets its own query, built from its profile's field names and the field mappings its
indices really have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from opslens_mcp.core.errors import BackendError, InvalidParams
from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch.client import BACKEND
from opslens_mcp.opensearch.mapping import IndexFields, Variant
from opslens_mcp.opensearch.models import Names, TraceIds, WindowParams, as_list
from opslens_mcp.opensearch.profiles import LogProfile, Profiles
from opslens_mcp.opensearch.queries import LEVELS, Clause, LogLevel
from opslens_mcp.opensearch.searcher import Searcher
from opslens_mcp.opensearch.timerange import TimeRange

LOGICAL_FIELDS = (
    "time", "message", "service", "level", "severity_number", "namespace", "pod", "container",
    "node", "trace_id", "span_id",
)  # fmt: skip


def _levels(value: Any) -> Any:
    words = as_list(value)
    if not isinstance(words, list):
        return words
    levels = [queries.canonical_level(word) if isinstance(word, str) else word for word in words]
    unknown = [w for w, level in zip(words, levels, strict=True) if level not in LEVELS]
    if unknown:
        raise ValueError(f"unknown level {unknown[0]!r}; use one of {', '.join(LEVELS)}")
    return levels


class LogFilters(WindowParams):
    """Which log records: every filter given must match (values inside one filter: any)."""

    service: Names = Field(default_factory=list, description="Service (app) names.")
    namespace: Names = Field(default_factory=list, description="Kubernetes namespaces.")
    pod: Names = Field(
        default_factory=list, description="Pod names; a trailing * matches a prefix."
    )
    container: Names = Field(default_factory=list, description="Container names.")
    level: Annotated[list[LogLevel], BeforeValidator(_levels), Field(max_length=6)] = Field(
        default_factory=list,
        description="Levels (fatal, error, warn, info, debug, trace); ERROR, warning, "
        "severity numbers and other spellings of the same level all match.",
    )
    text: str | None = Field(
        default=None,
        max_length=1024,
        description='Full text in the message: every word must appear; "quoted words" must '
        "appear as a phrase. Plain text only: no wildcards or boolean syntax.",
    )
    trace_id: TraceIds = Field(
        default_factory=list, description="Trace ids the lines belong to (hexadecimal)."
    )
    sources: Names = Field(
        default_factory=list,
        description="Log sources to search: containers (Vector container logs) and/or otel "
        "(OpenTelemetry logs); default all configured sources.",
    )


@dataclass(frozen=True)
class LogSource:
    """A log source ready to query: its name, profile and the mappings of its indices."""

    name: str
    profile: LogProfile
    fields: IndexFields

    def path(self, logical: str) -> str | None:
        return self.profile.field(logical)


async def open_sources(
    searcher: Searcher, profiles: Profiles, wanted: list[str]
) -> tuple[list[LogSource], list[str]]:
    """The sources to search and warnings about the ones skipped; raise when none is left."""
    configured = profiles.log_sources()
    if not configured:
        raise BackendError(BACKEND, "no log source is enabled in the profiles", 404)
    unknown = [name for name in wanted if name not in configured]
    if unknown:
        raise InvalidParams(
            f"unknown log source {unknown[0]!r}; configured: {', '.join(configured) or 'none'}"
        )
    names = wanted or list(configured)
    opened: list[LogSource] = []
    warnings: list[str] = []
    for name in names:
        profile = configured[name]
        paths = [p for p in (profile.field(f) for f in LOGICAL_FIELDS) if p]
        fields = await searcher.fields(profile.index, paths)
        if not fields.indices:
            warnings.append(f"log source {name!r}: no index matches {profile.index!r}; skipped")
            continue
        fields.require_date(profile.time_field, f"log source {name!r}")
        opened.append(LogSource(name, profile, fields))
    if not opened:
        patterns = ", ".join(f"{n} {configured[n].index!r}" for n in names)
        raise BackendError(
            BACKEND,
            f"no log index found ({patterns}): check that logs are shipped to OpenSearch and "
            "that the profile's index pattern matches them (profile file or "
            "OPSLENS_OPENSEARCH_PROFILES__CONTAINER_LOGS__INDEX)",
            404,
        )
    return opened, warnings


def _variants(source: LogSource, logical: str) -> list[Variant]:
    path = source.path(logical)
    return source.fields.exact_variants(path) if path else []


def unmapped_filters(source: LogSource, filters: LogFilters) -> list[str]:
    """Warnings for filters on fields this source's indices do not map (they match nothing)."""
    used = {
        "service": filters.service,
        "namespace": filters.namespace,
        "pod": filters.pod,
        "container": filters.container,
        "trace_id": filters.trace_id,
        "level": filters.level,
        "message": filters.text,
    }
    return [
        f"log source {source.name!r}: field {path!r} is not mapped, so the {logical} filter "
        "matches nothing there"
        for logical, value in used.items()
        if value and (path := source.path(logical)) and not source.fields.is_mapped(path)
    ]


def source_query(source: LogSource, filters: LogFilters, window: TimeRange) -> Clause:
    """The query for one source: time range, exact filters and full text."""
    clauses: list[Clause] = [queries.time_range(source.profile.time_field, window)]
    for logical, values in (
        ("service", filters.service),
        ("namespace", filters.namespace),
        ("container", filters.container),
        ("trace_id", filters.trace_id),
    ):
        if values:
            clauses.append(queries.exact(_variants(source, logical), values))
    if filters.pod:
        clauses.append(queries.names(_variants(source, "pod"), filters.pod))
    if filters.level:
        number = source.profile.severity_number_field
        number = number if number and source.fields.is_number(number) else None
        clauses.append(queries.levels(_variants(source, "level"), filters.level, number))
    must = queries.full_text(source.profile.message_field, filters.text) if filters.text else []
    return queries.bool_query(clauses, must)
