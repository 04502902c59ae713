"""Names that match no known service are reported back with the known ones, never guessed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from opslens.agent.understanding import OfflinePlanner
from opslens_eval.questions.catalogs import Catalog

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.mark.parametrize(
    ("question", "mention"),
    [
        ("show error logs for shipping-service", "shipping-service"),
        ("checkout-service p95 latency in the last hour", "checkout-service"),
        ("billing service CPU", "billing service"),
        ("cart 서비스 에러 로그 보여줘", "cart 서비스"),
        ("auth-svc에서 에러 났어?", "auth-svc"),
        ("traces of Recommendation_Service over 1s", "Recommendation_Service"),
        ("logs from cart in the last 2 hours", "cart"),
    ],
)
def test_unknown_service_is_reported_with_the_known_ones(
    catalogs: dict[str, Catalog], question: str, mention: str
) -> None:
    demo = catalogs["demo"]
    plan = OfflinePlanner(demo.services, demo.namespaces, "Asia/Seoul").plan(question, NOW)
    assert plan.services == []
    assert plan.unknown_services == [mention]
    reply = next(note for note in plan.notes if mention in note)
    assert all(service in reply for service in demo.services)
    assert plan.confidence < 0.9


def test_korean_question_gets_a_korean_reply(catalogs: dict[str, Catalog]) -> None:
    demo = catalogs["demo"]
    plan = OfflinePlanner(demo.services, [], "UTC").plan("shipping-service 로그 보여줘", NOW)
    assert plan.language == "ko"
    assert any("알려진 서비스" in note for note in plan.notes)


def test_typos_are_corrected_not_reported(catalogs: dict[str, Catalog]) -> None:
    demo = catalogs["demo"]
    plan = OfflinePlanner(demo.services, [], "UTC").plan("ordr-service error logs", NOW)
    assert plan.services == ["order-service"]
    assert plan.unknown_services == []
    assert any("ordr-service" in note and "order-service" in note for note in plan.notes)


def test_without_known_services_every_name_is_unknown() -> None:
    plan = OfflinePlanner([], [], "UTC").plan("order-service error logs", NOW)
    assert plan.services == []
    assert plan.unknown_services == ["order-service"]
    assert plan.intent == "logs"


def test_ordinary_words_before_service_are_not_names(catalogs: dict[str, Catalog]) -> None:
    demo = catalogs["demo"]
    planner = OfflinePlanner(demo.services, [], "UTC")
    for question in (
        "which service has the most errors?",
        "어떤 서비스가 제일 느려?",
        "show the slowest service in the last hour",
        "is every service healthy?",
    ):
        assert planner.plan(question, NOW).unknown_services == [], question


@pytest.mark.parametrize(
    ("question", "mention", "language"),
    [
        ("order-service의 에러 로그와 관련된 트레이스를 찾아서 분석해줘", "order-service", "ko"),
        ("show error logs for shipping-service", "shipping-service", "en"),
        ("cart 서비스 에러 로그 보여줘", "cart-service", "ko"),
        ("billing service CPU", "billing-service", "en"),
    ],
)
def test_with_a_list_not_read_whole_names_are_taken_as_written(
    catalogs: dict[str, Catalog], question: str, mention: str, language: str
) -> None:
    """A backend down must not turn a service into an unknown one: with an incomplete list
    (``complete=False``), a name it lacks is looked up as the user wrote it, and a note says so.
    """
    demo = catalogs["demo"]
    for services in ([], [s for s in demo.services if s not in mention]):
        plan = OfflinePlanner(services, [], "UTC", complete=False).plan(question, NOW)
        assert plan.services == [mention] and plan.unknown_services == []
        assert plan.language == language
        unchecked = "service list could not be read" if language == "en" else "목록을 읽지 못해"
        assert any(unchecked in note and mention in note for note in plan.notes), plan.notes
    # Names the list holds are still matched (and corrected) as usual.
    plan = OfflinePlanner(demo.services, [], "UTC", complete=False).plan("ordr-service logs", NOW)
    assert plan.services == ["order-service"] and plan.unknown_services == []
