"""Which partner (or sharer) a supporter came through: the `source` code on every widget URL."""

import re

from flask import request

SOURCE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def source_code():
    """The request's source code if it is well formed, else None (a malformed code is ignored)."""
    value = request.args.get("source", "")
    return value if SOURCE_CODE.match(value) else None
