"""Who may show a campaign in a frame: the decision behind frame-ancestors and the loader's check."""

from widget.embedding.origins import normalize_origin
from widget.embedding.origins import our_origins
from widget.embedding.origins import sent_origin


def vouched_partner(partner):
    """The partner, if it has registered the sites it embeds from; otherwise None.

    Only then can we be sure its name is shown on its own pages, so only then does the opt-in
    name it. A partner code without sites still credits signatures, like any sharer's code.
    """
    return partner if partner is not None and partner.allowed_origins else None


def framing_sources(campaign, partner):
    """CSP frame-ancestors sources: anyone, or our own pages, the campaign's sites and the partner's.

    A registered partner's code restricts framing to its own sites even on a campaign open to
    all, so no other page can collect opt-ins in its name.
    """
    embedding = campaign.settings["embedding"]
    vouched = vouched_partner(partner)
    if embedding["open_to_any_site"] and vouched is None:
        return ["*"]
    sources = ["'self'", *embedding["allowed_origins"]]
    if vouched is not None:
        sources += [origin for origin in vouched.allowed_origins if origin not in sources]
    return sources


def may_embed(campaign, partner, origin):
    """Whether a page on this origin may show the campaign (the loader asks before it frames)."""
    sources = framing_sources(campaign, partner)
    if "*" in sources:
        return True
    allowed = {normalize_origin(source) for source in sources if source != "'self'"}
    if "'self'" in sources:
        allowed |= our_origins()
    return sent_origin(origin) in allowed


def parent_origins():
    """The origins the widget's script may report its height to: the frame-ancestors, spelled out."""
    from flask import g

    sources = g.get("frame_ancestors") or []
    if "*" in sources:
        return ["*"]
    return sorted({*(source for source in sources if source != "'self'"), *our_origins()})
