"""Addresses of many records of one kind on one page, with one reverse() for the page.

A list written in Python (case rows, registry rows, overdue deadlines) links every row to its
record; reverse() per row was a measurable part of such a list (issue 9). The URL is reversed once
with a placeholder id, and each row's public id put in its place."""

from collections.abc import Callable
from uuid import UUID

from django.urls import reverse

_UUID_SLOT = "00000000-0000-0000-0000-000000000000"


def record_address(url_name: str) -> Callable[[UUID | str], str]:
    """A function giving the address of `url_name` (a route taking one uuid) for a public id."""
    pattern = reverse(url_name, args=[_UUID_SLOT])
    return lambda public_id: pattern.replace(_UUID_SLOT, str(public_id))
