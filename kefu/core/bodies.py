"""Reading a request's JSON body, the same way for every endpoint that takes one (the API's
parser, the CTI and SMS gateways' webhooks).

No body anyone sends nests deeper than a few levels. Python's parser overflows its stack near
1,000 (a RecursionError, a 500), and every reader after it — the NUL check, the schema, a
service — walks the value again: a body nested deeper than ``MAX_DEPTH`` is refused as
unreadable, like one that is not JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 32


def load_json(raw: bytes | str) -> Any:
    """The JSON value of ``raw``. Raises ValueError when it is not JSON (or not text) or
    nests deeper than ``MAX_DEPTH`` arrays and objects."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (a scalar: 0), without
    recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest
