"""What a widget URL says about where it is shown: the `source` code of the partner (or sharer)
a supporter came through, and the colour the embedding page asked for."""

import re

from flask import request

SOURCE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
COLOR = re.compile(COLOR_PATTERN)


def source_code():
    """The request's source code if it is well formed, else None (a malformed code is ignored)."""
    value = request.args.get("source", "")
    return value if SOURCE_CODE.fullmatch(value) else None


def requested_theme():
    """The accent colour the snippet asked for (`data-theme`), if it is a #rrggbb colour."""
    value = request.args.get("theme", "")
    return value if COLOR.fullmatch(value) else None
