"""Colours for a widget: the organizer's accent, with text colours chosen to stay readable (WCAG AA)."""

from dataclasses import dataclass

WHITE = (255, 255, 255)
NEAR_BLACK = (17, 17, 17)
BLACK = (0, 0, 0)
#: WCAG 2.2 AA for normal text.
MINIMUM_CONTRAST = 4.5


@dataclass(frozen=True)
class Theme:
    accent: str
    #: Text on an accent background (buttons, the counter bar's label).
    on_accent: str
    #: The accent darkened, if needed, until it reads as text on white (links, headings).
    accent_text: str


def parse_hex(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def to_hex(rgb):
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def relative_luminance(rgb):
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(background):
    """White or near-black, whichever reads better; pure black for the few mid-tones that need it."""
    best = max((WHITE, NEAR_BLACK), key=lambda text: contrast_ratio(text, background))
    return best if contrast_ratio(best, background) >= MINIMUM_CONTRAST else BLACK


def darken_until_readable(rgb, background=WHITE):
    """The colour, mixed toward black in small steps until it passes AA as text on the background."""
    mixed = rgb
    for step in range(21):
        mixed = tuple(channel * (1 - step / 20) for channel in rgb)
        if contrast_ratio(mixed, background) >= MINIMUM_CONTRAST:
            break
    return mixed


def theme_for(accent):
    """The widget's colours for an organizer's or partner's accent colour."""
    rgb = parse_hex(accent)
    return Theme(
        accent=to_hex(rgb),
        on_accent=to_hex(readable_on(rgb)),
        accent_text=to_hex(darken_until_readable(rgb)),
    )
