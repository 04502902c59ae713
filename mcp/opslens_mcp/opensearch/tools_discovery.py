"""Discovery tools: ``list_services`` and ``describe_schema`` (what exists, how it is read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opslens_mcp.core.errors import BackendError, BackendTimeout, BackendUnavailable
from opslens_mcp.core.tools import ToolRegistry
from opslens_mcp.opensearch import queries
from opslens_mcp.opensearch import trace_queries as tq
from opslens_mcp.opensearch.context import ToolContext
from opslens_mcp.opensearch.log_filters import LOGICAL_FIELDS, open_sources
from opslens_mcp.opensearch.mapping import IndexFields
from opslens_mcp.opensearch.models import Envelope, TimeParams, TimeWindow

SERVICE_LIMIT = 500
DISCOVERY_WINDOW = timedelta(hours=24)
MAX_LISTED = 200


class ListServicesParams(TimeParams):
    pass


class ServiceInfo(BaseModel):
    name: str
    log_lines: dict[str, int] = Field(description="Log lines per log source in the range.")
    spans: int


class ListServicesResult(Envelope):
    services: list[ServiceInfo]


class DescribeSchemaParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldInfo(BaseModel):
    logical: str
    path: str
    types: list[str] = Field(description="Mapped types across the indices; empty: not mapped.")
    aggregatable_as: str | None


class SourceSchema(BaseModel):
    name: str
    profile: str
    enabled: bool
    index_pattern: str
    indices: list[str]
    documents: int | None
    time_field: str | None
    fields: list[FieldInfo]
    mapped_fields: list[str] = Field(description=f"All mapped field paths (first {MAX_LISTED}).")


class DescribeSchemaResult(Envelope):
    sources: list[SourceSchema]


def _field_infos(fields: IndexFields, logical_to_path: dict[str, str]) -> list[FieldInfo]:
    return [
        FieldInfo(
            logical=logical,
            path=path,
            types=sorted(set(fields.types(path).values())),
            aggregatable_as=fields.aggregatable(path)[0],
        )
        for logical, path in logical_to_path.items()
    ]


def _flatten(properties: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if isinstance(spec, dict) and "properties" in spec:
            paths += _flatten(spec["properties"], f"{path}.")
        else:
            paths.append(path)
    return paths


def register_discovery_tools(registry: ToolRegistry, ctx: ToolContext) -> None:
    """Add ``list_services`` and ``describe_schema`` to ``registry``."""

    @registry.tool(
        description="""
        The services that wrote logs or spans in a time range (default: the last 24 hours,
        long enough to include quiet services), with line and span counts. Use the exact
        names it returns in other tools' service filters.
        """
    )
    async def list_services(params: ListServicesParams) -> ListServicesResult:
        window = ctx.window(params, DISCOVERY_WINDOW)
        warnings: list[str] = []
        searches: list[tuple[str, dict[str, Any]]] = []
        names: list[str] = []
        try:
            sources, warnings = await open_sources(ctx.searcher, ctx.profiles, [])
        except (BackendUnavailable, BackendTimeout):
            raise  # OpenSearch itself is down: not a missing source to skip
        except BackendError as exc:
            sources, warnings = [], [exc.detail]
        for source in sources:
            path, _ = source.fields.aggregatable(source.profile.service_field)
            names.append(source.name)
            searches.append(
                (source.profile.index, _terms_body(source.profile.time_field, path, window))
            )
        try:
            spans = await tq.open_spans(ctx.searcher, ctx.profiles.traces)
        except (BackendUnavailable, BackendTimeout):
            raise
        except BackendError as exc:
            warnings.append(exc.detail)
        else:
            p = spans.profile
            names.append("spans")
            searches.append(
                (p.index, _terms_body(p.time_field, spans.keyword(p.service_field), window))
            )
        if not searches:
            raise BackendError("opensearch", "; ".join(warnings), 404)
        answers, request = await ctx.searcher.msearch(searches)
        found: dict[str, ServiceInfo] = {}
        for name, answer in zip(names, answers, strict=True):
            for bucket in answer["aggregations"]["services"]["buckets"]:
                info = found.setdefault(
                    str(bucket["key"]), ServiceInfo(name=str(bucket["key"]), log_lines={}, spans=0)
                )
                if name == "spans":
                    info.spans = int(bucket["doc_count"])
                else:
                    info.log_lines[name] = int(bucket["doc_count"])
        return ListServicesResult(
            services=[found[key] for key in sorted(found)],
            requests=[request],
            time_range=TimeWindow.of(window),
            warnings=warnings,
        )

    @registry.tool(
        description="""
        How this server reads OpenSearch: each source (container logs, OpenTelemetry logs,
        spans, service map) with its active profile, index pattern, the indices it matches,
        document counts, time field, and where each normalized field lives with its mapped
        types. Use it when results look empty or wrong: it shows missing indices and fields.
        """
    )
    async def describe_schema(params: DescribeSchemaParams) -> DescribeSchemaResult:
        profiles = ctx.profiles
        plan: list[tuple[str, str, bool, str, str | None, dict[str, str]]] = []
        for name, log in (("containers", profiles.container_logs), ("otel", profiles.otel_logs)):
            paths = {f: p for f in LOGICAL_FIELDS if (p := log.field(f))}
            plan.append((name, log.profile, log.enabled, log.index, log.time_field, paths))
        t = profiles.traces
        trace_paths = {
            "trace_id": t.trace_id_field,
            "span_id": t.span_id_field,
            "service": t.service_field,
            "operation": t.operation_field,
            "time": t.time_field,
            "duration": t.duration_field,
            "error": t.error_field,
        }
        plan.append(("spans", t.profile, t.enabled, t.index, t.time_field, trace_paths))
        m = profiles.service_map
        map_paths = {"service": m.service_field, "kind": m.kind_field}
        plan.append(("service_map", m.profile, m.enabled, m.index, None, map_paths))

        schemas: list[SourceSchema] = []
        for name, profile, enabled, index, time_field, paths in plan:
            fields = await ctx.searcher.fields(index, paths.values())
            mapped: list[str] = []
            if fields.indices:
                mappings = await ctx.searcher.mapping(index)
                mapped = sorted(
                    {
                        p
                        for body in mappings.values()
                        for p in _flatten((body.get("mappings") or {}).get("properties") or {})
                    }
                )
            schemas.append(
                SourceSchema(
                    name=name,
                    profile=profile,
                    enabled=enabled,
                    index_pattern=index,
                    indices=list(fields.indices[:MAX_LISTED]),
                    documents=None,
                    time_field=time_field,
                    fields=_field_infos(fields, paths),
                    mapped_fields=mapped[:MAX_LISTED],
                )
            )
        present = [s for s in schemas if s.indices]
        requests = []
        if present:
            searches = [(s.index_pattern, {"size": 0, "track_total_hits": True}) for s in present]
            answers, request = await ctx.searcher.msearch(searches)
            requests.append(request)
            for schema, answer in zip(present, answers, strict=True):
                schema.documents = int(answer["hits"]["total"]["value"])
        return DescribeSchemaResult(sources=schemas, requests=requests)


def _terms_body(time_field: str, path: str | None, window: Any) -> dict[str, Any]:
    return {
        "query": queries.bool_query([queries.time_range(time_field, window)]),
        "size": 0,
        "aggs": {"services": {"terms": {"field": path or "_none_", "size": SERVICE_LIMIT}}},
    }
