"""Masking of parameters and secrets, and the headers learned from a source's lines."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from opslens_mcp.opensearch.headers import learn_header
from opslens_mcp.opensearch.masking import Masker, mask_parameters, redact_secrets
from opslens_mcp.opensearch.records import unwrap_record
from tests.patterns.loghub import LoghubSample


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "instance 8f14e45f-ceea-467f-a0e1-1b3a5c7d9e0f deleted",
            "instance <UUID> deleted",
        ),
        ("volume 8F14E45F-CEEA-467F-A0E1-1B3A5C7D9E0F attached", "volume <UUID> attached"),
        ("connect to 10.0.12.7 failed", "connect to <IP> failed"),
        ("dial tcp 10.0.0.5:9980: connect: refused", "dial tcp <IP>: connect: refused"),
        ("peer 2001:db8:85a3:0:0:8a2e:370:7334 gone", "peer <IP> gone"),
        ("listen on [::1]:8080 and fe80::1ff:fe23:4567:890a", "listen on <IP> and <IP>"),
        ("from [2001:db8::1]:443", "from <IP>"),
        ("hosts 10.0.0.1,10.0.0.2,10.0.0.3 joined", "hosts <IP> joined"),
    ],
)
def test_ids_and_addresses_are_masked(text: str, masked: str) -> None:
    assert mask_parameters(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("register 0x7ffd5e8a set", "register <HEX> set"),
        ("commit 4bf92f35 pushed", "commit <HEX> pushed"),
        (
            "traceId=4bf92f3577b34da6a3ce929d0e0e4736 spanId=00f067aa0ba902b7",
            "traceId=<TRACE_ID> spanId=<SPAN_ID>",
        ),
        (
            "request took 1.5s then 250ms (3m20s total)",
            "request took <DURATION> then <DURATION> (<DURATION> total)",
        ),
        ("wrote 5.2 KB of 64MB", "wrote <SIZE> of <SIZE>"),
        ("retry 3 of 10 (-1 left)", "retry <NUM> of <NUM> (<NUM> left)"),
        ("opened /var/log/pods/shop/app.log", "opened <PATH>"),
        ("GET https://api.example.com:8443/v1/orders?id=7 failed", "GET <URL> failed"),
        ("pod order-service-7d9f8b6c5d-x2k4p restarted", "pod <POD> restarted"),
        ("at 2026-11-26T01:02:03.123Z and Nov 10 14:17:41", "at <TIMESTAMP> and <TIMESTAMP>"),
        ("job appattempt_1445144423722_0020_000001 ok", "job <ID> ok"),
    ],
)
def test_parameters_are_masked(text: str, masked: str) -> None:
    assert mask_parameters(text) == masked


def test_korean_text_stays_intact() -> None:
    text = "주문 처리 실패: 재고 부족 (상품 3개, 사용자 8f14e45f-ceea-467f-a0e1-1b3a5c7d9e0f)"
    masked = mask_parameters(text)
    assert masked == "주문 처리 실패: 재고 부족 (상품 <NUM>개, 사용자 <UUID>)"
    korean = re.compile(r"[가-힣]+")
    assert korean.findall(masked) == korean.findall(text)


def test_plain_words_are_left_alone() -> None:
    for text in ("Connection reset by peer", "VM Started (Lifecycle Event)", "Initialising"):
        assert mask_parameters(text) == text


def test_secrets_are_redacted() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    line = f"Authorization: Bearer abcdef0123456789 password=hunter2 api_key: s3cr3t token {jwt}"
    redacted = redact_secrets(line)
    for secret in ("abcdef0123456789", "hunter2", "s3cr3t", jwt):
        assert secret not in redacted
    assert redacted.startswith("Authorization: Bearer <SECRET> password=<SECRET>")


def test_the_word_cached_masker_masks_like_the_instructions() -> None:
    """:class:`Masker` masks each word once; it agrees with the drain3 instructions."""
    masker = Masker()
    for text in (
        "connect to 10.0.12.7 failed",
        "dial tcp 10.0.0.5:9980: connect: refused",
        "hosts 10.0.0.1,10.0.0.2,10.0.0.3 joined",
        "request took 1.5s then 250ms (3m20s total)",
        "wrote 5.2 KB of 64MB",
        "retry 3 of 10 (-1 left)",
        "opened /var/log/pods/shop/app.log",
        "GET https://api.example.com:8443/v1/orders?id=7 failed",
        "at 2026-11-26T01:02:03.123Z and Nov 10 14:17:41",
        "주문 처리 실패: 재고 부족 (상품 3개, 사용자 8f14e45f-ceea-467f-a0e1-1b3a5c7d9e0f)",
        "Connection reset by peer",
    ):
        for _ in range(2):  # the second time from the cache
            assert masker.mask(text) == mask_parameters(text), text
    assert masker.mask("blocks blk_1 blk_2 blk_3 gone") == "blocks <ID> gone"
    assert masker.mask("one two three four", max_words=2) == "one two"


def test_the_word_cached_masker_redacts_secrets() -> None:
    masker = Masker()
    assert masker.mask("login password=hunter2 ok") == "login password=<SECRET> ok"
    assert "hunter2" not in masker.mask("Authorization: Bearer hunter2hunter2")


@pytest.mark.parametrize(
    ("record", "text", "trace_id"),
    [
        ("plain line\n\tat x.y.Z(Z.java:1)", "plain line", None),
        (
            '{"level":"error","msg":"결제 실패: 시간 초과",'
            '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
            "결제 실패: 시간 초과",
            "4bf92f3577b34da6a3ce929d0e0e4736",
        ),
        ('{"not": "a log"}', '{"not": "a log"}', None),
    ],
)
def test_records_are_unwrapped_to_their_line(record: str, text: str, trace_id: str | None) -> None:
    assert unwrap_record(record) == (text, trace_id)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["[warn] disk almost full"], "disk almost full"),
        (["2026-11-26T01:02:03Z ERROR c.s.Pay - took 12ms"], "took 12ms"),
        (["VM Started for instance 42"], "VM Started for instance 42"),
        (["user 12 logged in"] * 3, "user 12 logged in"),
        (["Connection reset by peer"] * 40, "Connection reset by peer"),
        (
            [
                f'10.0.0.{n} - - [26/Nov/2026:01:02:{n:02} +0000] "GET /a/{n} HTTP/1.1" 200 9'
                for n in range(40)
            ],
            '"GET /a/39 HTTP/1.1" 200 9',
        ),
    ],
)
def test_headers_are_learned_from_the_lines(lines: list[str], message: str) -> None:
    assert learn_header(lines).message(lines[-1]) == message


def test_learned_headers_of_loghub_raw_lines_leave_their_content(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    """Loghub labels each raw line's message as ``Content``: the learned header leaves it."""
    for system, sample in loghub_samples.items():
        shape = learn_header(sample.raw_lines[:1000])
        same = sum(
            shape.message(raw).strip() == content.strip()
            for raw, content in zip(sample.raw_lines, sample.contents, strict=True)
        )
        assert same / len(sample.rows) >= 0.98, (system, shape, same)


def test_trace_context_is_read_from_learned_headers(shared_data: Path) -> None:
    """Nezha's app lines print ``TraceID: … SpanID: …``; the CSV has the same ids as columns."""
    log_files = sorted((shared_data / "nezha-trainticket").rglob("*_log.csv"))
    assert log_files
    for log_file in log_files:
        with log_file.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        lines = [unwrap_record(json.loads(row["Log"])["log"])[0] for row in rows]
        shape = learn_header(lines[:1000])
        for row, line in zip(rows, lines, strict=True):
            split = shape.split(line)
            assert (split.trace_id, split.span_id) == (row["TraceID"], row["SpanID"])
            assert not split.message.startswith(("TraceID", "INFO", "WARN", "ERROR"))


def test_klog_headers_are_learned(shared_data: Path) -> None:
    """Kubernetes components log ``E1110 14:17:41.900391  2296 file.go:1300] message``."""
    klog = re.compile(r"[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ \S+:\d+\] (?P<message>.*)")
    logs = sorted((shared_data / "openshift-insights-k8s-objects").rglob("*.log"))
    checked = 0
    for log in logs:
        lines = log.read_text(encoding="utf-8").splitlines()
        shape = learn_header(lines[:1000])
        for line in lines:
            if match := klog.search(line):
                assert shape.message(line).strip() == match.group("message").strip(), line
                checked += 1
    assert checked > 0
