"""Organizer tools: counts, exports, delivery lists, privacy operations and the dashboard.

Everything here reads supporters' data, so every query goes through a `Scope`: the campaign's own
organizers see every supporter; a partner's organizers see only people who came through that
partner and asked to hear from it.
"""
