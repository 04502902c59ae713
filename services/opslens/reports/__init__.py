"""Scheduled anomaly reports: detect what is abnormal, group it into incidents, rank the
likely root causes, and publish a report an on-call engineer can act on."""
