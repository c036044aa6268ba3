"""Drawing a Know Your Rights card as a PNG, in three formats, with text that always fits.

og 1200x630 (link previews), square 1080x1080 (WhatsApp, feeds), story 1080x1920 (stories, whose
top 250 and bottom 200 pixels apps cover with their own buttons, so nothing is drawn there).
"""

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from fontTools.ttLib import TTFont
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

from widget.theme import WHITE
from widget.theme import contrast_ratio
from widget.theme import parse_hex

FONTS = Path(__file__).parent / "fonts"
ORDINARY_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
FONT_FILES = {"regular": FONTS / "AtkinsonHyperlegible-Regular.woff", "bold": FONTS / "AtkinsonHyperlegible-Bold.woff"}


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self):
        return self.right - self.left

    @property
    def height(self):
        return self.bottom - self.top


@dataclass(frozen=True)
class Layout:
    """Where each part of a card goes in one format, and how large its text may be."""

    size: tuple
    text: Box  # the title and the rights
    footer: Box  # help line and disclaimer
    qr: tuple  # left, top, size
    link: Box  # the short link under the QR code
    largest: int  # the largest size for a right's heading
    details: bool  # room for each right's explanation, not only its heading
    #: The smallest heading size explanations are shown with (their text is 0.8 of it). A card is
    #: shown on a phone at about a third of its width: a post in a feed must be read at a glance,
    #: while a story fills the screen and is paused on to read.
    smallest_with_details: int = 30
    link_under_code: bool = True  # the link is centred under the QR code (else it leads the footer)


LAYOUTS = {
    "og": Layout(
        (1200, 630), text=Box(56, 44, 880, 526), footer=Box(56, 538, 880, 600), qr=(934, 92, 220),
        link=Box(900, 336, 1164, 600), largest=34, details=False,
    ),
    "square": Layout(
        (1080, 1080), text=Box(72, 72, 1008, 800), footer=Box(300, 832, 1008, 940), qr=(72, 832, 184),
        link=Box(300, 952, 1008, 1028), largest=40, details=True, link_under_code=False,
    ),
    "story": Layout(
        (1080, 1920), text=Box(84, 250, 996, 1190), footer=Box(84, 1214, 996, 1330), qr=(390, 1354, 300),
        link=Box(84, 1672, 996, 1720), largest=48, details=True, smallest_with_details=26,
    ),
}
FORMATS = tuple(LAYOUTS)


@cache
def font(weight, size):
    return ImageFont.truetype(str(FONT_FILES[weight]), size)


@cache
def drawable_characters():
    """The characters both weights of the font can draw."""
    maps = [set(TTFont(str(path)).getBestCmap()) for path in FONT_FILES.values()]
    return frozenset(chr(code) for code in set.intersection(*maps))


def drawable(text):
    """Text in composed form, without what the font cannot draw (emoji, other scripts).

    No-break spaces stay: they hold a telephone number together on one line.
    """
    characters = drawable_characters()
    kept = "".join(char if char in characters else " " for char in unicodedata.normalize("NFC", text or ""))
    return ORDINARY_WHITESPACE.sub(" ", kept).strip()


def wrap(text, typeface, width):
    """Lines of at most `width` pixels; a word longer than a line is cut where it must be."""
    lines, line = [], ""
    for word in filter(None, text.split(" ")):
        candidate = f"{line} {word}" if line else word
        if typeface.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while typeface.getlength(word) > width:
            cut = 1
            while cut < len(word) and typeface.getlength(word[: cut + 1]) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def mix(colour, other, amount):
    """`amount` of the way from one colour to the other."""
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other, strict=True))


def palette(accent):
    """A dark background from the accent with white text at 7:1 or more, and a light tint for badges."""
    rgb = parse_hex(accent)
    background = rgb
    for step in range(41):
        background = mix(rgb, (0, 0, 0), step / 40)
        if contrast_ratio(WHITE, background) >= 7:
            break
    return {"background": background, "text": WHITE, "soft": mix(WHITE, background, 0.12),
            "tint": mix(rgb, WHITE, 0.78), "rule": mix(rgb, WHITE, 0.45)}


@dataclass
class Block:
    """Lines of one typeface, ready to draw."""

    lines: list
    typeface: ImageFont.FreeTypeFont
    colour: str
    indent: int = 0
    gap_after: int = 0
    badge: str | None = None

    @property
    def line_height(self):
        return round(self.typeface.size * 1.22)

    @property
    def height(self):
        return len(self.lines) * self.line_height + self.gap_after


def text_blocks(content, layout, size, details, rights, more=False):
    """The title and rights laid out at one heading size; `more` ends them with "…" to say that
    rights were left out."""
    title_font = font("bold", round(size * 1.45))
    heading_font = font("bold", size)
    body_font = font("regular", max(18, round(size * 0.8)))
    badge = round(size * 1.3)
    indent = badge + round(size * 0.5)
    width = layout.text.width
    title = wrap(drawable(content.title).upper(), title_font, width)
    blocks = [Block(title, title_font, "text", gap_after=round(size * 0.9))]
    for number, right in enumerate(rights, start=1):
        heading = Block(wrap(drawable(right.heading), heading_font, width - indent), heading_font, "text", indent,
                        badge=str(number))
        blocks.append(heading)
        text = drawable(right.text)
        if details and text:
            heading.gap_after = round(size * 0.15)
            blocks.append(Block(wrap(text, body_font, width - indent), body_font, "soft", indent))
        blocks[-1].gap_after = round(size * 0.6)
    if more:
        blocks.append(Block(["…"], heading_font, "soft", indent))
    return blocks


SIZES = range(18, 100, 2)


def height_of(blocks):
    """How tall the blocks are, one under the other."""
    return sum(block.height for block in blocks)


def largest_fitting(content, layout, details, rights, more):
    """The blocks at the largest size that fits, or None. Smaller text always fits where larger
    text does, so the size can be found by halving the range rather than trying each one."""
    smallest = SIZES.index(layout.smallest_with_details) if details else 0
    low, high, best = smallest, SIZES.index(layout.largest), None
    while low <= high:
        middle = (low + high) // 2
        blocks = text_blocks(content, layout, SIZES[middle], details, rights, more)
        if height_of(blocks) <= layout.text.height:
            best, low = blocks, middle + 1
        else:
            high = middle - 1
    return best


def fit_text(content, layout):
    """The largest text that fits the box, explanations shown only at a size a phone can show;
    then, if need be, headings only; then fewer rights,
    with "…" in place of those left out. Rights whose heading the font cannot draw are skipped."""
    every_right = [right for right in content.rights if drawable(right.heading)]
    for details in ((True, False) if layout.details else (False,)):
        rights = every_right
        while True:
            more = len(rights) < len(every_right)
            blocks = largest_fitting(content, layout, details, rights, more)
            if blocks is not None:
                return blocks
            if details or not rights:
                break
            rights = rights[:-1]  # never overflow: leave out the last right rather than spill
    return clip(text_blocks(content, layout, SIZES[0], False, [])[:1], layout.text.height)


def clip(blocks, height):
    """As many whole lines of the blocks as fit in `height` (a last resort against overflowing)."""
    kept = []
    for block in blocks:
        room = (height - height_of(kept)) // block.line_height
        if room <= 0:
            break
        kept.append(Block(block.lines[:room], block.typeface, block.colour, block.indent, badge=block.badge))
    return kept


def footer_blocks(content, layout, size):
    """The help line (when there is one) and the disclaimer at one size."""
    bold, regular = font("bold", size), font("regular", round(size * 0.8))
    hotline = Block(wrap(drawable(content.hotline), bold, layout.footer.width), bold, "text",
                    gap_after=round(size * 0.4))
    note = Block(wrap(drawable(content.disclaimer), regular, layout.footer.width), regular, "soft")
    return [hotline, note] if hotline.lines else [note]


def fit_footer(content, layout):
    """The help line and the disclaimer at the largest size that fits the footer.

    Campaign files keep the help line short enough that both always fit; if they did not, the
    help line, which people act on, is kept before the disclaimer.
    """
    for size in range(30, 13, -1):
        blocks = footer_blocks(content, layout, size)
        if height_of(blocks) <= layout.footer.height:
            return blocks
    return clip(blocks, layout.footer.height)


#: Where a long address may break: before a slash, dot, hyphen, `?` or `=` (as style guides have
#: it: a hyphen or dot at a line's end would read as punctuation, not as part of the address).
ADDRESS_BREAKS = re.compile(r"(?=[/.?=-])")


def wrap_address(address, typeface, width):
    """An address in lines broken only where ADDRESS_BREAKS allows."""
    pieces = ADDRESS_BREAKS.split(address)
    lines, line = [], ""
    for piece in pieces:
        if line and typeface.getlength(line + piece) > width:
            lines.append(line)
            line = ""
        line += piece
    return [*lines, line] if line else lines


def fit_link(content, layout):
    """The short link on one line if it fits at a readable size, else broken where addresses may be."""
    for one_line_only in (True, False):
        for size in range(26, 15, -1):
            typeface = font("bold", size)
            lines = wrap_address(content.link, typeface, layout.link.width)
            if all(typeface.getlength(line) <= layout.link.width for line in lines) and (
                len(lines) == 1 or not one_line_only
            ):
                block = Block(lines, typeface, "text")
                if block.height <= layout.link.height:
                    return [block]
    return []


def draw_blocks(draw, blocks, box, colours, centred=False):
    """Draw blocks one under the other from the top of the box; a block with a badge gets its
    number in a circle at the left of its first line."""
    y = box.top
    for block in blocks:
        if block.badge:
            diameter = round(block.typeface.size * 1.3)
            top = y + (block.line_height - diameter) // 2
            draw.ellipse((box.left, top, box.left + diameter, top + diameter), fill=colours["tint"])
            draw.text((box.left + diameter / 2, top + diameter / 2), block.badge, font=block.typeface,
                      fill=colours["background"], anchor="mm")
        for line in block.lines:
            x = box.left + block.indent
            if centred:
                x = box.left + (box.width - block.typeface.getlength(line)) / 2
            draw.text((x, y), line, font=block.typeface, fill=colours[block.colour])
            y += block.line_height
        y += block.gap_after


def qr_image(url, size):
    """A QR code no larger than `size`, every module a whole number of pixels (crisp to scan)."""
    # Three modules of white around the code, and the white panel it sits on, give scanners the
    # quiet zone of four modules they need to find it.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=3, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    code.box_size = max(1, size // modules)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def render_card(content, card_format):
    """The card as PNG bytes."""
    layout = LAYOUTS[card_format]
    colours = palette(content.accent)
    image = Image.new("RGB", layout.size, colours["background"])
    draw = ImageDraw.Draw(image)
    draw_blocks(draw, fit_text(content, layout), layout.text, colours)
    draw_blocks(draw, fit_footer(content, layout), layout.footer, colours)
    left, top, size = layout.qr
    padding = 12
    panel = (left - padding, top - padding, left + size + padding, top + size + padding)
    draw.rounded_rectangle(panel, 14, fill="white")
    code = qr_image(content.qr_url, size)
    offset = (size - code.width) // 2
    image.paste(code, (left + offset, top + offset))
    draw_blocks(draw, fit_link(content, layout), layout.link, colours, centred=layout.link_under_code)
    output = io.BytesIO()
    # Flat colours and anti-aliased text fit a 64-colour palette: a third of the size on the
    # wire, which matters on a phone with little data, and no visible change.
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        output, "PNG", compress_level=6
    )
    return output.getvalue()
