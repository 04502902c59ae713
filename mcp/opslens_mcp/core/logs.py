"""Structured JSON logs: one event per line on stderr, with the request id bound in.

Never pass headers, tokens or whole payloads to a log call; log names, counts and durations.
"""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Send structlog and stdlib logging as JSON lines to stderr (idempotent)."""
    global _configured
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    if _configured:
        logging.getLogger().setLevel(numeric)
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s")
    # Client libraries log request URLs and sometimes headers at DEBUG, aiosqlite every
    # statement with its parameters (whole conversation checkpoints): keep them quiet.
    noisy_loggers = (
        "aiosqlite",
        "httpx",
        "httpcore",
        "opensearch",
        "opensearchpy.trace",
        "urllib3",
        "kubernetes",
        "mcp",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    _configured = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
