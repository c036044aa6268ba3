"""What a worker keeps of the widget answers it gave, by the address they were asked at.

Shared by the kept embed pages (widget/embedding/rendered.py) and the signatures taken before
Flask (widget/petition/quick.py): both answer the next request at the same address from what
Flask answered the last time, as long as nothing it depended on has changed. The kept embed
pages and call steps (widget/call/steps.py) are kept cut where each answer differs (`cut_at`)
and filled in anew (`filled_in`).
"""

import re
import threading
from collections import OrderedDict


def widget_address(environ):
    """Everything a widget's answer depends on in the request itself: its whole address, and the
    browser's language preference (which picks the language when the address does not)."""
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ["PATH_INFO"],
            environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))


class KeptAnswers:
    """At most `size` answers by address, the least recently used going first, safe to share
    between a worker's threads. Each answer says when the database was read for it
    (`confirmed_at`, time.monotonic()): of two answers learned at once, the later reading stays."""

    def __init__(self, size):
        self.size = size
        self.answers = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.answers)

    def get(self, address):
        with self.lock:
            answer = self.answers.get(address)
            if answer is not None:
                self.answers.move_to_end(address)
            return answer

    def keep(self, address, answer):
        with self.lock:
            kept = self.answers.get(address)
            if kept is not None and kept.confirmed_at > answer.confirmed_at:
                return  # a later reading finished first
            self.answers[address] = answer
            self.answers.move_to_end(address)
            while len(self.answers) > self.size:
                self.answers.popitem(last=False)


def cut_at(content, marks):
    """Text (or bytes) cut at each occurrence of the marks ({mark: hole name}): the pieces
    between them, and which hole each occurrence is, in order."""
    either = b"|" if isinstance(content, bytes) else "|"
    pieces, holes, start = [], [], 0
    for found in re.finditer(either.join(re.escape(mark) for mark in marks), content):
        pieces.append(content[start:found.start()])
        holes.append(marks[found.group()])
        start = found.end()
    pieces.append(content[start:])
    return pieces, holes


def filled_in(pieces, holes, values):
    """The pieces joined again, each hole filled with its value ({hole name: text or bytes})."""
    whole = [pieces[0]]
    for hole, piece in zip(holes, pieces[1:], strict=True):
        whole += (values[hole], piece)
    return pieces[0][:0].join(whole)
