"""Synthetic Prometheus history with known answers: a test bed."""
