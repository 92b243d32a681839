"""When the listing tries a call again, and after how long: botocore's standard retry mode.

The listing's calls are idempotent reads made on our own HTTP path, so botocore's retry
handler never sees them; `RetryPolicy` asks botocore's own standard-mode conditions and
backoff instead of restating them: transient errors (500, 502, 503, 504, RequestTimeout, a
connection refused, reset or timed out), throttling (codes and 429), modeled retryable
errors; at most `attempts` tries in all; a jittered exponential delay (1 s base for
throttling, 50 ms otherwise, capped at `max_delay_s`).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import botocore.session
from botocore import exceptions as boto_errors
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.model import OperationModel
from botocore.retries import standard

#: botocore's default cap on a retry's delay, in seconds.
MAX_BACKOFF_S = 20


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all (botocore's default: 3). `time_scale` shrinks every delay
    (tests only; 1.0 is botocore's timing)."""

    attempts: int = standard.DEFAULT_MAX_ATTEMPTS
    max_delay_s: int = MAX_BACKOFF_S
    time_scale: float = 1.0

    def delay_after(
        self, action: str, error: Exception, attempt: int, rng: random.Random
    ) -> float | None:
        """Seconds to wait before try `attempt + 1` after try `attempt` (1-based) of IAM
        `action` (e.g. "ssm:DescribeInstanceInformation") failed with `error`, or None when
        botocore would not try again."""
        context = _context(_operation(action), error, attempt)
        if not standard.StandardRetryConditions(max_attempts=self.attempts).is_retryable(context):
            return None
        backoff = standard.ExponentialBackoff(
            max_backoff=self.max_delay_s,
            random=rng.random,
            throttling_detector=standard.ThrottlingErrorDetector(standard.RetryEventAdapter()),
        )
        delay: float = backoff.delay_amount(context)
        return delay * self.time_scale


@functools.cache
def _operation(action: str) -> OperationModel:
    """botocore's model of `action`: its checkers read the service and modeled errors.
    Loaded on the first retry only (EC2's model is large)."""
    service, _, name = action.partition(":")
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(name)


def _context(operation: OperationModel, error: Exception, attempt: int) -> standard.RetryContext:
    if isinstance(error, boto_errors.ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        response = AWSResponse(url="", status_code=status, headers=HTTPHeaders(), raw=None)
        return standard.RetryContext(
            attempt_number=attempt,
            operation_model=operation,
            parsed_response=error.response,
            http_response=response,
        )
    return standard.RetryContext(
        attempt_number=attempt, operation_model=operation, caught_exception=error
    )
