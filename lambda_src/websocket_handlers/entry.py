"""What every handler does around its own work.

`websocket_handler` turns a function of a parsed `WebSocketEvent` into a Lambda
handler: it scopes the log fields to the invocation, reads the event through the
accessor, answers bad requests with a logged 400 instead of crashing, and logs
any other failure with its traceback before re-raising it so that Lambda counts
the error.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from websocket_handlers import logs, responses
from websocket_handlers.events import BadRequestError, WebSocketEvent
from websocket_handlers.responses import Response

__all__ = ["LambdaHandler", "websocket_handler"]

LambdaHandler = Callable[[Any, Any], Response]


def websocket_handler(
    logger: logging.Logger,
) -> Callable[[Callable[[WebSocketEvent], Response]], LambdaHandler]:
    """Decorate `work(event) -> response` into `handler(event, context) -> response`."""

    def decorate(work: Callable[[WebSocketEvent], Response]) -> LambdaHandler:
        @functools.wraps(work)
        def handler(event: Any, context: Any) -> Response:
            with logs.invocation(getattr(context, "aws_request_id", None)):
                try:
                    parsed = WebSocketEvent.from_dict(event)
                    logs.bind(
                        connectionId=parsed.connection_id,
                        routeKey=parsed.route_key,
                        apiRequestId=parsed.request_id,
                    )
                    return work(parsed)
                except BadRequestError as error:
                    logger.error("Bad request: %s", error, extra={"statusCode": 400})
                    return responses.bad_request(str(error))
                except Exception:
                    logger.exception("Handler failed")
                    raise

        return handler

    return decorate
