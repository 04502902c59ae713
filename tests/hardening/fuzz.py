"""One schemathesis run over one operation of an OpenAPI document, valid and invalid cases.

No answer may be a 5xx, and each must be what the document says. Two checks are left out:
FastAPI coerces leniently (a Unix time for a date), so some schema-violating requests pass,
and rules across fields are not expressible in a schema, so some schema-valid requests are
rightly refused. Cases come from the operation's hypothesis strategy
(``schemathesis.pytest.from_fixture`` reads a node attribute that pytest 9 no longer has).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.schemas import APIOperation

EXCLUDED = [negative_data_rejection, positive_data_acceptance]


def fuzz(
    operation: APIOperation,
    max_examples: int,
    timeout_s: float = 120,
    headers: dict[str, str] | None = None,
) -> None:
    cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=cases)
    def check(case: Case) -> None:
        case.call_and_validate(headers=headers, timeout=timeout_s, excluded_checks=EXCLUDED)

    check()
