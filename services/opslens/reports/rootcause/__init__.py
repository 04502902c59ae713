"""Root causes from real recorded faults: per-minute signals (call gaps, log-statement patterns
per operation, pod resource metrics) robustly scaled against the minutes before, and ranked."""
