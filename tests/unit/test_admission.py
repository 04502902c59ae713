"""The agent's admission of questions: a few at once, a bounded line, a clear refusal."""

from __future__ import annotations

import asyncio

import pytest

from opslens.agent.admission import Admission, Saturated


async def hold(admission: Admission, release: asyncio.Event, order: list[int], n: int) -> None:
    async with admission.slot():
        order.append(n)
        await release.wait()


async def test_questions_beyond_the_limit_wait_their_turn_in_order() -> None:
    admission = Admission(limit=2, queue=10, wait_s=5)
    release, order = asyncio.Event(), []
    tasks = [asyncio.create_task(hold(admission, release, order, n)) for n in range(5)]
    await asyncio.sleep(0.05)
    assert order == [0, 1]
    assert (admission.running, admission.waiting) == (2, 3)
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert (admission.running, admission.waiting) == (0, 0)


async def test_a_full_line_is_refused_at_once_with_a_retry_delay() -> None:
    admission = Admission(limit=1, queue=1, wait_s=5)
    release, order = asyncio.Event(), []
    first = asyncio.create_task(hold(admission, release, order, 0))
    second = asyncio.create_task(hold(admission, release, order, 1))
    await asyncio.sleep(0.05)
    with pytest.raises(Saturated) as refused:
        async with admission.slot():
            pass
    assert refused.value.retry_after_s >= 1
    assert refused.value.data["retry_after_s"] == refused.value.retry_after_s
    assert "1 questions running, 1 waiting" in refused.value.message
    release.set()
    await asyncio.gather(first, second)
    assert order == [0, 1]


async def test_a_question_that_waits_too_long_is_refused_and_leaves_the_line() -> None:
    admission = Admission(limit=1, queue=5, wait_s=0.1)
    release, order = asyncio.Event(), []
    first = asyncio.create_task(hold(admission, release, order, 0))
    await asyncio.sleep(0.01)
    with pytest.raises(Saturated, match=r"no slot freed up within 0\.1s"):
        async with admission.slot():
            pass
    assert admission.waiting == 0
    release.set()
    await first
    async with admission.slot():  # the slot is free again
        assert admission.running == 1
