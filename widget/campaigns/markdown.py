"""Campaign Markdown to safe HTML: organizers write Markdown, supporters never get script."""

import nh3
from markdown_it import MarkdownIt

#: Bump when the rendering changes, so loading campaigns again re-renders their stored HTML.
RENDERER_VERSION = 1

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote",
    "h2", "h3", "h4", "h5", "h6", "code", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# Raw HTML in the source is shown as text, not passed through; nh3 is the second line of defence.
_markdown = MarkdownIt("commonmark", {"html": False})


def render_markdown(source):
    """Sanitized HTML for a piece of campaign Markdown.

    Headings move one level down (the widget's title is the page's only h1). Links open outside
    the widget's iframe and carry no referrer.
    """
    tokens = _markdown.parse(source or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    ).strip()
