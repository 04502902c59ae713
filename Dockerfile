# syntax=docker/dockerfile:1
#
# One image for every opslens service; the command picks the service:
#   opslens serve opensearch|prometheus|kubernetes|agent|reports --host 0.0.0.0
#   opslens ui --host 0.0.0.0 --port 8501
#   opslens seed --scenario scenarios/checkout-incident.yaml     (the demo's one-shot job)
# Build: docker build -t opslens:local .    (compose.yaml builds it for you)

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: wheels of opslens and of every dependency (incl. the Postgres client and checkpointer) ---
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mcp ./mcp
COPY services ./services
COPY ui ./ui
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels "."

# --- runtime: slim Python, a virtualenv installed from those wheels only, a non-root user ---
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links=/wheels opslens
RUN groupadd --system --gid 10001 opslens \
    && useradd --system --uid 10001 --gid opslens --create-home --shell /usr/sbin/nologin opslens \
    && mkdir -p /var/lib/opslens \
    && chown opslens:opslens /var/lib/opslens
WORKDIR /app
# The demo seeds the shipped scenarios (the UI's app file comes with the installed package).
COPY scenarios ./scenarios
# SQLite stores go to /var/lib/opslens (mount a volume there); Postgres for several replicas.
ENV OPSLENS_AGENT_CHECKPOINT_URL=sqlite:////var/lib/opslens/sessions.sqlite \
    OPSLENS_REPORTS_STORE_PATH=/var/lib/opslens/reports.sqlite \
    OPSLENS_HEALTHCHECK_URL=http://127.0.0.1:8100/healthz
USER 10001:10001
EXPOSE 8100 8101 8102 8103 8104 8501
# Each service sets OPSLENS_HEALTHCHECK_URL to its own /healthz, /readyz or /_stcore/health.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=4 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['OPSLENS_HEALTHCHECK_URL'], timeout=4)"]
CMD ["opslens", "serve", "agent", "--host", "0.0.0.0"]
