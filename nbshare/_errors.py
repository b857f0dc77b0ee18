"""Errors whose message is meant for the person using the interface."""

from __future__ import annotations


class InputError(ValueError):
    """A value the user entered cannot be given to the function; the message says what to change."""
