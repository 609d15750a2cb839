"""The stage's throttling: token buckets for the stage and for routes that set their own.

API Gateway throttles WebSocket APIs "using the token bucket algorithm, where a token
counts for a request": the burst is the bucket's size and the rate how many tokens come
back each second (developer guide, "Protect your WebSocket APIs in API Gateway"). The
stage's limits are the module's `throttling_burst_limit` and `throttling_rate_limit`
(`default_route_settings` of the stage); a route's own `throttling_*` (its
`route_settings`) replace them for that route, the stage's value standing in for the one
a route leaves unset, as the module passes them.

What counts as a request here: each `$connect` (a handshake) and each message from a
client. `$disconnect` is not a client request and is never throttled; `@connections`
calls are the management API's, outside the stage's limits.

The route's own bucket replaces the stage's for that route, as route settings replace
the default route settings on AWS (the stage's settings are the default for every
route); so a route with its own limits takes no tokens from the stage bucket.

What a throttled client gets is documented only as "429 Too Many Requests" (same page).
For a handshake that is the HTTP answer: `$connect` is not run and the upgrade is refused
with 429. For a message AWS does not document the frame; here the client gets API
Gateway's usual error frame with that text, `{"message": "Too Many Requests",
"connectionId": ..., "requestId": ...}`, the route is not invoked, and the connection
stays open, as it does for the other errors API Gateway reports in a frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["THROTTLED_MESSAGE", "StageThrottle", "ThrottleLimits", "TokenBucket"]

# The text of API Gateway's throttling answer (the 429's reason phrase).
THROTTLED_MESSAGE = "Too Many Requests"


@dataclass(frozen=True, kw_only=True)
class ThrottleLimits:
    """A burst (the bucket's size, a whole number from 1) and a rate (tokens per second, > 0)."""

    burst: int
    rate: float

    def __post_init__(self) -> None:
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ValueError(f"throttling burst limit must be a whole number >= 1: {self.burst!r}")
        if isinstance(self.rate, bool) or not self.rate > 0:
            raise ValueError(f"throttling rate limit must be greater than 0: {self.rate!r}")


class TokenBucket:
    """A bucket of `burst` tokens, refilled at `rate` per second, starting full.

    Args:
        limits: The burst and rate.
        clock: Monotonic seconds; injectable so tests move time by hand.
    """

    def __init__(self, *, limits: ThrottleLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._tokens = float(limits.burst)
        self._updated = clock()

    def take(self) -> bool:
        """Take one token if there is one; False means the request is throttled."""
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(float(self.limits.burst), self._tokens + elapsed * self.limits.rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class StageThrottle:
    """The stage's bucket and one per route that sets its own limits.

    Args:
        stage: The stage's limits, for every route without its own.
        routes: Route key to that route's own limits (only routes that set them).
        clock: Monotonic seconds; default `time.monotonic`.
    """

    def __init__(
        self,
        *,
        stage: ThrottleLimits,
        routes: Iterable[tuple[str, ThrottleLimits]] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stage = TokenBucket(limits=stage, clock=clock)
        self._routes = {key: TokenBucket(limits=limits, clock=clock) for key, limits in routes}

    def allow(self, route_key: str) -> bool:
        """Whether a request for `route_key` may go ahead now (it takes a token if so)."""
        bucket = self._routes.get(route_key, self._stage)
        return bucket.take()
