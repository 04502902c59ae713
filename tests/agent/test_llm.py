"""The Gemini planner and summarizer with a scripted fake chat model (no network)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from opslens.agent.llm import LlmPlanner
from opslens.agent.understanding import OfflinePlanner
from opslens.shared.llm import LlmSummarizer, LlmUsage
from tests.agent.fake_models import ScriptedChatModel, SilentChatModel, gemini_message

KNOWN = ["frontend", "order-service", "payment-service", "product-service"]
NOW = datetime(2026, 11, 26, 2, 3, tzinfo=UTC)


def offline(question: str):  # type: ignore[no-untyped-def]
    return OfflinePlanner(KNOWN, ["shop"], "UTC").plan(question, now=NOW)


async def test_a_valid_model_plan_is_merged() -> None:
    question = "checkout is flaky since lunch, who is to blame?"
    draft = {
        "intent": "correlate",
        "services": ["payment-service"],
        "level": "error",
        "start": "2026-11-26T00:30:00+00:00",
        "end": "2026-11-26T02:03:00+00:00",
    }
    model = ScriptedChatModel.scripted(gemini_message(json.dumps(draft)))
    usage = LlmUsage()
    plan = await LlmPlanner(model).refine(question, offline(question), KNOWN, NOW, usage)
    assert plan.intent == "correlate"
    assert plan.services == ["payment-service"]
    assert plan.start.isoformat() == "2026-11-26T00:30:00+00:00"
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 850, 60)
    assert not usage.fallbacks


async def test_malformed_model_output_falls_back_to_the_offline_plan() -> None:
    question = "show error logs from order-service"
    model = ScriptedChatModel.scripted(gemini_message('```json\n{"intent": "logs", "services": '))
    usage = LlmUsage()
    base = offline(question)
    plan = await LlmPlanner(model).refine(question, base, KNOWN, NOW, usage)
    assert plan == base
    assert usage.calls == 1 and usage.fallbacks


async def test_a_plan_naming_unknown_services_is_refused() -> None:
    question = "what broke?"
    draft = {"intent": "logs", "services": ["billing-service"]}
    model = ScriptedChatModel.scripted(gemini_message(json.dumps(draft)))
    usage = LlmUsage()
    base = offline(question)
    plan = await LlmPlanner(model).refine(question, base, KNOWN, NOW, usage)
    assert plan == base
    assert "unknown services" in usage.fallbacks[0]


async def test_an_invalid_intent_is_refused() -> None:
    question = "drop the index please"
    draft = {"intent": "delete_everything", "services": []}
    model = ScriptedChatModel.scripted(gemini_message(json.dumps(draft)))
    usage = LlmUsage()
    base = offline(question)
    assert await LlmPlanner(model).refine(question, base, KNOWN, NOW, usage) == base


async def test_summary_keeps_only_numbers_from_the_evidence() -> None:
    evidence = {"facts": ["Found 1159 error log lines for order-service."]}
    grounded = ScriptedChatModel.scripted(
        gemini_message("order-service logged 1159 errors; payment-service is where they start.")
    )
    usage = LlmUsage()
    text = await LlmSummarizer(grounded).summarize("q", "en", evidence, usage)
    assert text is not None and "1159" in text

    invented = ScriptedChatModel.scripted(gemini_message("order-service logged 2000 errors."))
    usage = LlmUsage()
    assert await LlmSummarizer(invented).summarize("q", "en", evidence, usage) is None
    assert "2000" in usage.fallbacks[0]


async def test_a_model_that_never_answers_falls_back_within_its_timeout() -> None:
    question = "checkout is flaky since lunch, who is to blame?"
    model = SilentChatModel.scripted()
    usage = LlmUsage()
    base = offline(question)
    started = time.monotonic()
    plan = await LlmPlanner(model, timeout_s=0.2).refine(question, base, KNOWN, NOW, usage)
    text = await LlmSummarizer(model, timeout_s=0.2).summarize("q", "en", {}, usage)
    elapsed_s = time.monotonic() - started

    assert plan == base and text is None
    assert model.reached == 2
    assert usage.fallbacks == [
        "planner: model did not answer in 0.2s",
        "summary: model did not answer in 0.2s",
    ]
    assert elapsed_s < 10  # cut at the timeout, not left hanging


async def test_the_model_fills_the_fleet_comparison_and_endpoint_fields() -> None:
    question = "are the services behind checkout worse off than at the same hour on Monday?"
    draft = {
        "intent": "metrics",
        "services": [],
        "metric": "error_rate",
        "group_by": "service",
        "order": "desc",
        "threshold": {"comparison": "above", "value": 2.0, "unit": "percent"},
        "start": "2026-11-26T01:03:00+00:00",
        "end": "2026-11-26T02:03:00+00:00",
        "baseline_start": "2026-11-23T01:03:00+00:00",
        "baseline_end": "2026-11-23T02:03:00+00:00",
        "operation": "POST /api/checkout",
        "status": "5xx",
    }
    model = ScriptedChatModel.scripted(gemini_message(json.dumps(draft)))
    base = offline(question)
    assert base.unexpressed, "the offline planner cannot express 'than at the same hour on Monday'"
    plan = await LlmPlanner(model).refine(question, base, KNOWN, NOW, LlmUsage())
    assert (plan.group_by, plan.order, plan.operation, plan.status) == (
        "service",
        "desc",
        "POST /api/checkout",
        "5xx",
    )
    assert plan.threshold is not None and plan.threshold.value == 2.0
    assert plan.baseline_start is not None
    assert plan.baseline_start.isoformat() == "2026-11-23T01:03:00+00:00"
    assert not plan.unexpressed
    assert not any("could not be expressed" in note for note in plan.notes)
