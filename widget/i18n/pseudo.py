"""A pseudo-locale for finding hard-coded text and layouts that break under long translations.

`en_XA` is English with every letter accented, every string about 40% longer, and each one
wrapped in ⟦ ⟧. Text on a page without the brackets was never translated; a layout that clips or
overflows under it will break under a real long translation. It is generated on demand, never
committed and never shipped: `flask --app widget translate pseudo DIR` writes a copy of the
catalogs and the campaign files with the pseudo-locale added, for a developer or a test to run.
"""

import math
import re

from babel import localedata

PSEUDO_LANGUAGE = "en_XA"
OPEN, CLOSE = "⟦", "⟧"
#: How much longer than English a pseudo-translated string is: translations into Spanish,
#: German or Portuguese commonly run 20–40% longer.
GROWTH = 0.4

ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŢÚṼŴẊÝŽ",
)
#: Padding made of short words, so long strings can still wrap where real ones would.
FILLER = "ĺóñĝéŕ ţéẋţ ƒóŕ ţŕáñšĺáţíóñ ţó ƒíţ "

#: What must reach the page untouched: gettext and script placeholders, HTML tags and entities,
#: and (in campaign Markdown) link targets and escaped characters.
PROTECTED = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|<[^>]*>|&#?\w+;|\]\([^)]*\)|\\.")
#: Markdown that begins a line (a list item, a heading, a quote) stays outside the brackets.
LINE_PREFIX = re.compile(r"^(\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+)?(.*)$")


def register_pseudo_locale():
    """Babel has no data for pseudo-locales: give en_XA English's numbers, dates and plural rule.

    Babel offers no public way to add a locale, so this fills its locale-data cache, which
    `Locale`, the number and date formatters and `Catalog` all read through. Since Babel 2.19,
    `localedata.exists` remembers its answers, so a "no" given before this is forgotten here.
    """
    if PSEUDO_LANGUAGE not in localedata._cache:  # noqa: SLF001 - see above
        localedata._cache[PSEUDO_LANGUAGE] = localedata.load("en")  # noqa: SLF001 - see above
    forget_answers = getattr(localedata.exists, "cache_clear", None)
    if forget_answers is not None:
        forget_answers()


def pseudo_text(text):
    """One string in the pseudo-locale: accented, longer, bracketed, its placeholders and tags kept."""
    if not text or not text.strip():
        return text
    pieces, visible, position = [], 0, 0
    for match in PROTECTED.finditer(text):
        plain = text[position:match.start()]
        pieces.extend((plain.translate(ACCENTED), match.group(0)))
        visible += len(plain)
        position = match.end()
    plain = text[position:]
    pieces.append(plain.translate(ACCENTED))
    visible += len(plain)
    return f"{OPEN}{''.join(pieces)}{padding(visible)}{CLOSE}"


def padding(length):
    """About GROWTH × length more characters, beginning with a space so no word grows."""
    needed = max(2, math.ceil(length * GROWTH))
    repeated = FILLER * (needed // len(FILLER) + 1)
    return " " + repeated[:needed - 1].rstrip()


def pseudo_markdown(text):
    """Campaign Markdown in the pseudo-locale, a paragraph or list item at a time."""
    items = []
    for line in text.splitlines():
        prefix, rest = LINE_PREFIX.match(line).groups()
        if prefix or not rest.strip() or not items or not items[-1][1].strip():
            items.append([prefix or "", rest])
        else:
            items[-1][1] += " " + rest.strip()  # a wrapped line continues its paragraph
    return "\n".join(f"{prefix}{pseudo_text(rest)}" for prefix, rest in items)
