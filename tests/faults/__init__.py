"""Backends killed or paused mid-request: clear errors within the timeout, recovery, retries."""
