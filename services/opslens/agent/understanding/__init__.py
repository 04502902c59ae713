"""Deterministic understanding of operators' questions in English and Korean.

:class:`OfflinePlanner` turns a question into a :class:`~opslens.agent.plan.Plan`; the modules
beside it each read one thing (language, time windows, thresholds, services, intent, ...).
"""

from opslens.agent.understanding.planner import DEFAULT_WINDOWS, OfflinePlanner

__all__ = ["DEFAULT_WINDOWS", "OfflinePlanner"]
