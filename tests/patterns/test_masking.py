"""Masking of parameters and secrets, and extraction of a log line's free text."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from opslens_mcp.opensearch.masking import extract_free_text, mask_parameters, redact_secrets
from tests.patterns.loghub import COMMON_HEADER_SYSTEMS, LoghubSample


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


@pytest.mark.parametrize(
    ("line", "text", "trace_id", "span_id"),
    [
        (
            "2026-11-26T01:02:03.123Z ERROR [payment-service,4bf92f3577b34da6a3ce929d0e0e4736,"
            "00f067aa0ba902b7] c.s.PaymentService - could not get JDBC connection\n\tat x.y.Z",
            "could not get JDBC connection",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
        ),
        (
            '{"level":"error","msg":"결제 실패: 시간 초과",'
            '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
            "결제 실패: 시간 초과",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            None,
        ),
        ("INFO:root:주문 완료", "주문 완료", None, None),
        ("[warn] disk almost full", "disk almost full", None, None),
        ("[instance: 42] VM Started", "[instance: 42] VM Started", None, None),
        ("ERROR IN CONTACTING RM.", "ERROR IN CONTACTING RM.", None, None),
    ],
)
def test_free_text_is_extracted(
    line: str, text: str, trace_id: str | None, span_id: str | None
) -> None:
    extracted = extract_free_text(line)
    assert (extracted.text, extracted.trace_id, extracted.span_id) == (text, trace_id, span_id)


def test_common_headers_of_loghub_raw_lines_are_stripped(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    """Loghub labels each raw line's message as ``Content``: extraction must find it."""
    for system in COMMON_HEADER_SYSTEMS:
        sample = loghub_samples[system]
        same = sum(
            extract_free_text(raw).text == content.strip()
            for raw, content in zip(sample.raw_lines, sample.contents, strict=True)
        )
        assert same / len(sample.rows) >= 0.98, (system, same)


def test_labelled_loghub_content_passes_through_unchanged(
    loghub_samples: dict[str, LoghubSample],
) -> None:
    for sample in loghub_samples.values():
        for content in sample.contents:
            assert extract_free_text(content).text == content.strip()


def test_trace_context_is_read_from_java_headers(shared_data: Path) -> None:
    """Nezha's app lines print ``TraceID: … SpanID: …``; the CSV has the same ids as columns."""
    log_files = sorted((shared_data / "nezha-trainticket").rglob("*_log.csv"))
    assert log_files
    for log_file in log_files:
        with log_file.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                extracted = extract_free_text(json.loads(row["Log"])["log"])
                assert (extracted.trace_id, extracted.span_id) == (row["TraceID"], row["SpanID"])
                assert not extracted.text.startswith(("TraceID", "INFO", "WARN", "ERROR"))


def test_klog_headers_are_stripped(shared_data: Path) -> None:
    """Kubernetes components log ``E1110 14:17:41.900391  2296 file.go:1300] message``."""
    klog = re.compile(r"[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ \S+:\d+\] (?P<message>.*)")
    logs = sorted((shared_data / "openshift-insights-k8s-objects").rglob("*.log"))
    checked = 0
    for log in logs:
        for line in log.read_text(encoding="utf-8").splitlines():
            if match := klog.search(line):
                assert extract_free_text(line).text == match.group("message").strip(), line
                checked += 1
    assert checked > 0
