"""Scenario engine: one deterministic incident story written into logs, traces, metrics and
Kubernetes objects, with the ground truth of what was written."""
