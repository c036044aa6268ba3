"""Sharing: the standalone action page `/c/<slug>` (`views`), the share links (`links`) and what
the thank-you state offers (`panel`)."""
