"""Telephone numbers: stored in E.164 (+12024561111) for tel: links, shown the way people write them."""

import re

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def e164(number):
    """A number in E.164, or None. Ten-digit numbers are taken to be North American (+1)."""
    if not number:
        return None
    digits = re.sub(r"[^\d+]", "", str(number))
    if digits.startswith("+"):
        return digits if E164.fullmatch(digits) else None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return f"+1{digits}" if len(digits) == 10 else None


def readable(number):
    """+12024561111 as (202) 456-1111; other countries' numbers as given in E.164."""
    if number and number.startswith("+1") and len(number) == 12:
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
