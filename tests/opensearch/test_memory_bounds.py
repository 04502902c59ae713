"""Session memory and the answer cache stay bounded; credentials never leave the server."""

from __future__ import annotations

import time

from opslens_mcp.core.tools import CallContext, bind_call, reset_call
from opslens_mcp.opensearch.cache import CacheCollector, ResponseCache, request_key
from opslens_mcp.opensearch.client import OpenSearchClient
from opslens_mcp.opensearch.log_filters import LogFilters
from opslens_mcp.opensearch.session import SessionStore
from opslens_mcp.opensearch.settings import OpenSearchSettings


def test_sessions_are_bounded_and_expire() -> None:
    store = SessionStore(ttl_s=0.2, max_sessions=3)
    for number in range(5):
        store.remember(f"s{number}", "count_logs", "logs", LogFilters(service=f"svc{number}"))
    assert len(store) == 3 and store.state("s0") is None and store.state("s4") is not None
    time.sleep(0.3)
    assert store.state("s4") is None


def test_inherit_fills_only_what_the_call_left_out() -> None:
    store = SessionStore(ttl_s=60, max_sessions=10)
    store.remember(
        "s", "search_logs", "logs", LogFilters(service="pay", level="error", start="now-3h")
    )
    follow_up = store.inherit("s", "logs", LogFilters(level="warn"))
    assert (follow_up.service, follow_up.level, follow_up.start) == (["pay"], ["warn"], "now-3h")
    assert store.inherit("other", "logs", LogFilters(level="warn")).service == []


def test_the_session_comes_from_the_header_unless_given() -> None:
    store = SessionStore(ttl_s=60, max_sessions=10)
    token = bind_call(CallContext(session_id="from-header"))
    try:
        assert store.session_id(None) == "from-header"
        assert store.session_id("explicit") == "explicit"
    finally:
        reset_call(token)


def test_cache_is_bounded_counts_and_can_be_off() -> None:
    cache = ResponseCache(ttl_s=60, max_entries=2)
    keys = [request_key("POST", "/x/_search", {"n": n}) for n in range(3)]
    for key in keys:
        assert cache.get(key) is None
        cache.put(key, {"answer": key})
    assert len(cache) == 2 and cache.get(keys[2]) == {"answer": keys[2]}
    assert (cache.stats.hits, cache.stats.misses) == (1, 3)
    assert request_key("GET", "/", {"a": 1, "b": 2}) == request_key("GET", "/", {"b": 2, "a": 1})
    families = {m.name: m.samples[0].value for m in CacheCollector(cache).collect()}
    assert families == {
        "opslens_opensearch_cache_hits": 1,
        "opslens_opensearch_cache_misses": 3,
        "opslens_opensearch_cache_entries": 2,
    }
    off = ResponseCache(ttl_s=0, max_entries=2)
    off.put("k", {"a": 1})
    assert off.get("k") is None and off.stats.misses == 0


def test_credentials_in_the_url_are_never_shown() -> None:
    client = OpenSearchClient(OpenSearchSettings(url="https://reader:s3cret@search.example:9200/"))
    assert client.url == "https://search.example:9200"
