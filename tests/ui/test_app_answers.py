"""The app asking the real agent about the seeded demo scenario, checked against ground truth.

Each test asks as a person would (the chat box, a filter, a trace link) and reads what the app
drew: the answer text, the log table, the waterfall and metric charts, the correlation graph
and the queries. Expected numbers come from the scenario's ground truth, never typed here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from opslens.scenarios.truth import GroundTruth
from opslens_ui.answer_view import label
from opslens_ui.contract import AskResponse
from opslens_ui.correlation_view import ROOT_CAUSE_STYLE
from opslens_ui.formatting import escape_markdown, parse_time
from opslens_ui.i18n import text
from opslens_ui.traces_view import default_tree
from tests.ui.helpers import (
    answered,
    ask,
    charts,
    graphs,
    last_turn,
    shown,
    tables_with,
    texts,
    waterfall,
)

pytestmark = pytest.mark.integration

LOGS_QUESTIONS = [
    "show the error logs from order-service in the last 3 hours",
    "지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘",
]
TRACES_QUESTIONS = [
    "show traces of product-service with slow API calls",
    "product-service의 API 호출 지연이 있는 트레이스 보여줘",
]
COMBINED_QUESTIONS = [
    "find and analyse the traces related to order-service's error logs",
    "order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘",
]
LOG_COLUMNS = ("timestamp", "service", "level", "message", "trace")


def window(response: AskResponse) -> tuple[pd.Timestamp, pd.Timestamp]:
    assert response.plan.start and response.plan.end, "the plan carries its window"
    return parse_time(response.plan.start), parse_time(response.plan.end)


def log_table(app: AppTest) -> pd.DataFrame:
    """The log table of the latest answer (earlier answers stay on the page above it)."""
    tables = tables_with(app, *LOG_COLUMNS)
    assert tables, "no log table"
    return tables[-1]


def assert_common_rendering(app: AppTest, response: AskResponse) -> None:
    """Answer text shown, tabs in the answer's language, every query's native text copyable."""
    assert response.answer and response.answer in texts(app)
    labels = {tab.label for tab in app.tabs}
    if response.language == "ko":
        assert "실행한 쿼리" in labels and "Queries" not in labels, labels
    else:
        assert "Queries" in labels, labels
    codes = [code.value for code in app.code]
    assert response.queries, "the agent ran queries"
    for query in response.queries:
        assert query.native and query.native in codes, f"{query.tool} is not shown"


@pytest.mark.parametrize("question", LOGS_QUESTIONS)
def test_log_question_lists_the_error_lines_of_the_window(
    demo_ui: AppTest, seeded_demo: GroundTruth, question: str
) -> None:
    response = answered(ask(demo_ui, question))
    start, end = window(response)
    expected = seeded_demo.error_logs("order-service", start.to_pydatetime(), end.to_pydatetime())
    logs = response.evidence.logs
    assert logs is not None and logs.total == expected > 0
    table = log_table(demo_ui)
    assert len(table) == len(logs.records) > 0
    assert set(table["service"]) == {"order-service"}
    assert set(table["level"]) == {"ERROR"}
    counted = text("logs.matching", response.language, count=expected)  # "1,314 matching lines"
    assert any(line.startswith(counted) for line in texts(demo_ui)), counted
    assert_common_rendering(demo_ui, response)


@pytest.mark.parametrize("question", TRACES_QUESTIONS)
def test_trace_question_draws_the_waterfall_of_a_slow_trace(
    demo_ui: AppTest, seeded_demo: GroundTruth, question: str
) -> None:
    response = answered(ask(demo_ui, question))
    traces = response.evidence.traces
    assert traces is not None and traces.trees, "slow traces were fetched in full"
    fault = seeded_demo.fault("latency")
    for summary in traces.summaries:
        assert summary.start is not None
        started = parse_time(summary.start).to_pydatetime()
        assert fault.start <= started < fault.end, f"{summary.trace_id} is outside the fault"
    drawn = waterfall(demo_ui)
    spans = drawn.tables[0]
    drawn_tree = traces.trees[default_tree(traces.trees, response.correlation.root_cause)]
    assert len(spans) == len(drawn_tree.spans), "one row per span of the trace shown"
    assert "product-service" in set(spans["service"])
    assert {"text", "bar"} <= set(drawn.marks)
    assert_common_rendering(demo_ui, response)


@pytest.mark.parametrize("question", COMBINED_QUESTIONS)
def test_combined_question_shows_where_the_errors_start(
    demo_ui: AppTest, seeded_demo: GroundTruth, question: str
) -> None:
    response = answered(ask(demo_ui, question))
    origin = seeded_demo.fault("dependency_down").root_cause_service
    assert response.correlation.root_cause == origin
    assert origin in response.answer
    [dot] = graphs(demo_ui)
    kind = text("node.service", response.language)
    assert f'"service:{origin}" [label="{kind}\\n{origin}", {ROOT_CAUSE_STYLE}];' in dot
    table = log_table(demo_ui)
    linked = table["trace"].dropna()
    assert len(linked) > 0 and all("?trace=" in link for link in linked)
    failed_ids = set(seeded_demo.failed_trace_ids())
    traces = response.evidence.traces
    assert traces is not None and traces.trees
    assert {tree.trace_id for tree in traces.trees} <= failed_ids
    assert tables_with(demo_ui, "service", "operation", "status"), "failing spans are listed"
    spans = waterfall(demo_ui).tables[0]
    failed_in = set(spans[spans["kind"] == "error"]["service"])
    assert origin in failed_in, "the trace drawn first fails where the errors start"
    said = "가장 유력한 원인" if response.language == "ko" else "Likely root cause"
    assert escape_markdown(f"{said}: {origin}") in [element.value for element in demo_ui.error]
    assert_common_rendering(demo_ui, response)


def test_why_slow_shows_where_the_time_goes_in_the_answer_s_language(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    fault = seeded_demo.fault("latency")
    entry = fault.affected_services[-1]
    response = answered(ask(demo_ui, f"지난 3시간 동안 {entry}가 왜 느렸어?"))
    assert response.correlation.root_cause == fault.root_cause_service
    said = escape_markdown(f"가장 유력한 원인: {fault.root_cause_service}")
    assert said in [element.value for element in demo_ui.error]
    assert "시간이 쓰인 곳 (크리티컬 패스의 자체 시간)" in texts(demo_ui)
    [slow] = tables_with(demo_ui, "service", "self_ms", "share")
    assert slow["service"].iloc[0] == fault.root_cause_service
    assert_common_rendering(demo_ui, response)


def test_metric_question_charts_the_series_the_fault_moved(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    response = answered(ask(demo_ui, "payment-service 에러율 지난 1시간"))
    metrics = response.evidence.metrics
    assert metrics is not None and metrics.series
    drawn = [chart for chart in charts(demo_ui) if "line" in chart.marks]
    assert drawn, "a line chart is drawn"
    points = pd.concat([chart.tables[-1] for chart in drawn])
    assert len(points) == sum(
        1 for series in metrics.series for _, value in series.points if value == value
    )
    fault = seeded_demo.fault("dependency_down")
    times = points["time"].dt.to_pydatetime()
    inside = points[[fault.start <= moment < fault.end for moment in times]]["value"]
    outside = points[[not fault.start <= moment < fault.end for moment in times]]["value"]
    assert len(inside) and len(outside)
    assert inside.mean() > outside.mean(), "the chart shows the errors of the outage"
    if metrics.anomaly_windows:
        assert any("rect" in chart.marks for chart in drawn), "anomaly windows are shaded"
    assert_common_rendering(demo_ui, response)


def test_anomaly_question_lists_the_incidents_with_their_root_cause(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    response = answered(ask(demo_ui, "is anything wrong right now?"))
    origin = seeded_demo.fault("dependency_down").root_cause_service
    assert origin in {incident.root_cause for incident in response.incidents}
    assert label("incidents", response.language) == demo_ui.tabs[0].label
    titles = [expander.label for expander in demo_ui.expander]
    for title, incident in zip(titles, response.incidents, strict=True):
        assert title.endswith(f" · {incident.root_cause}"), title
    candidates = tables_with(demo_ui, "rank", "service", "evidence", "reasons")
    assert [len(table) for table in candidates] == [len(i.candidates) for i in response.incidents]
    assert origin in set(pd.concat(candidates)["service"])
    assert_common_rendering(demo_ui, response)


def test_kubernetes_question_lists_the_restarted_pods(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    response = answered(ask(demo_ui, "which pods restarted in the last 6 hours?"))
    [pods] = tables_with(demo_ui, "name", "restarts", "last_termination_reason")
    listed = {row["name"]: row for _, row in pods.iterrows()}
    for pod in seeded_demo.restarted_pods():
        assert pod.name in listed, f"{pod.name} is missing"
        assert listed[pod.name]["restarts"] == pod.restarts
        assert listed[pod.name]["last_termination_reason"] == pod.last_termination_reason
    assert_common_rendering(demo_ui, response)


def test_changing_a_filter_asks_the_last_question_again(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    first = ask(demo_ui, LOGS_QUESTIONS[0])
    demo_ui.sidebar.selectbox(key="filter-level").set_value("warn").run()
    assert not demo_ui.exception
    again = last_turn(demo_ui)
    assert again is not first and again.question == first.question
    assert again.filters is not None and again.filters.level == "warn"
    response = answered(again)
    start, end = window(response)
    expected = seeded_demo.logs("order-service", "WARN", start.to_pydatetime(), end.to_pydatetime())
    logs = response.evidence.logs
    assert logs is not None and logs.total == expected
    if expected:
        assert set(log_table(demo_ui)["level"]) == {"WARN"}

    demo_ui.sidebar.selectbox(key="filter-range").set_value("last hour").run()
    response = answered(last_turn(demo_ui))
    start, end = window(response)
    assert end.to_pydatetime() == seeded_demo.now
    assert (end - start).total_seconds() == 3600


def test_a_trace_link_opens_that_trace(demo_ui: AppTest, seeded_demo: GroundTruth) -> None:
    trace_id = seeded_demo.failed_trace_ids(origin="payment-service")[0]
    demo_ui.query_params["trace"] = trace_id
    demo_ui.run()
    assert not demo_ui.exception
    response = answered(last_turn(demo_ui))
    traces = response.evidence.traces
    assert traces is not None
    drawn = [tree.trace_id for tree in traces.trees]
    assert drawn == [trace_id], f"asked for {trace_id} (plan.trace_id={response.plan.trace_id})"
    assert waterfall(demo_ui).tables[0]["service"].size


def test_status_and_reports_with_a_backend_down(demo_ui: AppTest) -> None:
    """The demo agent has no reports server: the sidebar and the page say so, calmly."""
    warnings = shown(demo_ui.sidebar, "warning")
    assert any(line.startswith("reports: unavailable") for line in warnings), warnings
    assert any(line.startswith("Agent: ok") for line in shown(demo_ui.sidebar, "success"))
    demo_ui.switch_page("pages/reports.py").run()
    assert not demo_ui.exception
    assert any(text.startswith("Cannot list reports") for text in texts(demo_ui))
