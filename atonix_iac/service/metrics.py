"""Prometheus metrics (``/metrics``): requests, jobs, queue depth, resources, lock waits."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "atonix_http_requests_total", "API requests by route and status", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "atonix_http_request_seconds", "API request durations by route", ["method", "route"]
)
JOB_SECONDS = Histogram(
    "atonix_job_seconds",
    "Stack job durations by action and outcome",
    ["action", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
QUEUE_DEPTH = Gauge("atonix_jobs_pending", "Jobs queued or running (not finished)")
RESOURCES_APPLIED = Counter(
    "atonix_resources_applied_total", "Resources created, updated or deleted", ["action"]
)
LOCK_WAIT = Histogram(
    "atonix_stack_lock_wait_seconds",
    "Time a job waited for its stack's lock",
    buckets=(0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
