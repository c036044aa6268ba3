"""How command-line tools report a refusal: the checks' own message, no traceback, exit status 1."""

from contextlib import contextmanager

import click


@contextmanager
def reported(*refusals):
    """Turn these error classes (each carrying a message for the operator) into click errors."""
    try:
        yield
    except refusals as error:
        raise click.ClickException(str(error)) from error
