"""The metrics tab of a fleet question (services ranked, a bar chart and a table) and of a
comparison (both windows side by side), over the seeded demo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from opslens.scenarios.truth import GroundTruth
from tests.ui.helpers import answered, ask, charts

pytestmark = pytest.mark.integration


def test_fleet_question_draws_every_service_ranked(
    demo_ui: AppTest, seeded_demo: GroundTruth
) -> None:
    response = answered(ask(demo_ui, "에러율이 3% 넘는 서비스 알려줘"))
    metrics = response.evidence.metrics
    assert metrics is not None and metrics.fleet is not None
    ranked = [row.service for row in metrics.fleet.services]
    assert set(ranked) <= set(seeded_demo.series) and ranked
    [bars] = [chart for chart in charts(demo_ui) if "bar" in chart.marks]
    assert list(bars.tables[-1]["service"]) == ranked
    passing = {row.service for row in metrics.fleet.services if row.passes}
    assert set(bars.tables[-1].query("passes")["service"]) == passing
    [table] = [frame.value for frame in demo_ui.dataframe if "rank" in frame.value.columns]
    assert list(table["service"]) == ranked


def test_comparison_shows_both_windows(demo_ui: AppTest) -> None:
    response = answered(ask(demo_ui, "is order-service's error rate higher than yesterday?"))
    metrics = response.evidence.metrics
    assert metrics is not None and metrics.comparisons
    [table] = [frame.value for frame in demo_ui.dataframe if "baseline" in frame.value.columns]
    assert list(table["service"]) == [item.service for item in metrics.comparisons]
    assert "change %" in table.columns and "matters" in table.columns


def test_a_top_n_question_draws_only_the_first_n(demo_ui: AppTest) -> None:
    response = answered(ask(demo_ui, "p95 응답 시간 상위 2개 서비스"))
    metrics = response.evidence.metrics
    assert metrics is not None and metrics.fleet is not None and metrics.fleet.top == 2
    first_two = [row.service for row in metrics.fleet.services[:2]]
    assert len(metrics.fleet.services) > 2, "the demo has more services than asked for"
    [bars] = [chart for chart in charts(demo_ui) if "bar" in chart.marks]
    assert list(bars.tables[-1]["service"]) == first_two
    [table] = [frame.value for frame in demo_ui.dataframe if "rank" in frame.value.columns]
    assert list(table["service"]) == first_two
