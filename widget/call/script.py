"""Call scripts: placeholders filled from what the supporter typed, optional parts in [brackets].

    Hello.[ My name is {name}.][ I live in [{city}, ]{state}.] I'm calling to ask {target_name} ...

A part in brackets appears only when every placeholder in it has a value, so a supporter who
gives no name or city still reads a natural sentence: "Hello. I'm calling to ask ...".
"""

import re

from widget.call.names import one_full_stop_after

PLACEHOLDERS = ("name", "city", "state", "target_name", "target_title", "the_target")
#: What the supporter may leave empty, so must sit inside brackets.
OPTIONAL = ("name", "city", "state")
TOKEN = re.compile(r"\{([^{}]*)\}|\[|\]")
#: Runs of white space, line breaks included, but not a no-break space (as in "D.\u00a0C."),
#: which keeps words together on a line.
SPACES = re.compile(r"[^\S\u00a0\u202f]+")


class ScriptError(ValueError):
    """A script with an unknown placeholder, unbalanced brackets, or an unguarded optional value."""


def paragraphs(script):
    return [paragraph.strip() for paragraph in re.split(r"\n\s*\n", script) if paragraph.strip()]


def check_script(script):
    """Raise ScriptError unless the script can always be filled in naturally."""
    for paragraph in paragraphs(script):
        check_paragraph(paragraph)


def check_paragraph(script):
    depth = 0
    for match in TOKEN.finditer(script):
        piece = match.group(0)
        if piece == "[":
            depth += 1
        elif piece == "]":
            depth -= 1
            if depth < 0:
                raise ScriptError("has a ']' without its '['")
        else:
            name = match.group(1)
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
                raise ScriptError(f"has an unknown placeholder {{{name}}}; use {known}")
            if name in OPTIONAL and depth == 0:
                raise ScriptError(
                    f"uses {{{name}}} outside [brackets]; supporters may leave it empty, so put the words "
                    f"around it in brackets, like '[ My name is {{{name}}}.]'"
                )
    if depth:
        raise ScriptError("has a '[' without its ']'")


def fill_script(script, values):
    """The script's paragraphs, placeholders filled, each optional part kept only if complete."""
    filled = (_fill(paragraph, 0, values, nested=False)[0] for paragraph in paragraphs(script))
    return [one_full_stop_after(values.values(), SPACES.sub(" ", text).strip()) for text in filled if text.strip()]


def _fill(script, position, values, nested):
    """Fill from `position` until the closing bracket of this part (or the end); report gaps."""
    pieces, missing = [], False
    while position < len(script):
        match = TOKEN.search(script, position)
        if match is None:
            pieces.append(script[position:])
            position = len(script)
            break
        pieces.append(script[position:match.start()])
        position = match.end()
        piece = match.group(0)
        if piece == "[":
            part, position, part_missing = _fill(script, position, values, nested=True)
            if not part_missing:
                pieces.append(part)
        elif piece == "]" and nested:
            return "".join(pieces), position, missing
        elif piece != "]":
            value = (values.get(match.group(1)) or "").strip()
            missing = missing or not value
            pieces.append(value)
    return "".join(pieces), position, missing
