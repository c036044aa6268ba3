"""The one place embed code is written: for the embed-code page, oEmbed, and the action page."""

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from flask import request
from markupsafe import Markup
from markupsafe import escape

#: A first guess at the widget's height on a phone, so the page barely moves when the loader
#: then sets the frame to exactly its content's height. A plain iframe keeps this height.
INITIAL_HEIGHT = {"petition": 1550, "call": 1150}


def public_base_url():
    """Where this service is reached from outside: MEGAFONO_BASE_URL, else the request's host."""
    return current_app.config.get("BASE_URL") or request.host_url.rstrip("/")


@dataclass(frozen=True)
class EmbedOptions:
    """What a partner chose for its snippet."""

    language: str | None = None
    source: str | None = None
    theme: str | None = None

    def query(self, language_key="lang"):
        pairs = [(language_key, self.language), ("source", self.source), ("theme", self.theme)]
        return urlencode([(key, value) for key, value in pairs if value])


def widget_address(campaign, options):
    query = options.query()
    return f"{public_base_url()}/embed/{campaign.slug}" + (f"?{query}" if query else "")


def action_page_address(campaign, options):
    query = EmbedOptions(options.language, options.source).query()
    return f"{public_base_url()}/c/{campaign.slug}" + (f"?{query}" if query else "")


def iframe_snippet(campaign, options, title, height=None, max_width=None):
    """A plain iframe for a partner's page: works anywhere, keeps a fixed height (no loader). As
    wide as the column it is in, and no wider than `max_width` pixels if given: a fixed width
    would run off a phone's screen."""
    height = height or INITIAL_HEIGHT.get(campaign.kind, 1100)
    return Markup(
        '<iframe src="{src}" title="{title}" loading="lazy" allow="web-share; clipboard-write" '
        'style="width:100%;{max_width}height:{height}px;border:0"></iframe>'
    ).format(src=widget_address(campaign, options), title=title, height=height,
             max_width=f"max-width:{max_width}px;" if max_width else "")


def own_page_frame(campaign, options, title):
    """The widget in a frame on one of our own pages, whose CSP allows no inline styles."""
    return Markup(
        '<iframe class="widget-frame widget-frame--{kind}" src="{src}" title="{title}" '
        'allow="web-share; clipboard-write"></iframe>'
    ).format(
        kind=campaign.kind, src=widget_address(campaign, options), title=title
    )


def script_snippet(campaign, options, link_text):
    """The loader and a placeholder it replaces; the link inside is for browsers without script."""
    attributes = [("data-megafono", campaign.slug), ("data-lang", options.language),
                  ("data-source", options.source), ("data-theme", options.theme)]
    rendered = Markup(" ").join(
        Markup('{}="{}"').format(name, value) for name, value in attributes if value
    )
    return Markup(
        '<script src="{base}/widget.js" async></script>\n'
        '<div {attributes}><a href="{action}">{text}</a></div>'
    ).format(base=public_base_url(), attributes=rendered, action=action_page_address(campaign, options),
             text=escape(link_text))
