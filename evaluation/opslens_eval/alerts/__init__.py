"""Alertmanager to the reports service and back, with real components: a test bed."""
