"""Sizes on the sharing pages, by the one rule of every answer (CONTRACT section 1)."""

from __future__ import annotations

from django import template

from account.models import megabytes as megabytes_text

register = template.Library()


@register.filter
def megabytes(size: int | None) -> str:
    """``300000`` -> ``0.286 Megabytes``, as the refusals say it."""
    return f"{megabytes_text(size or 0)} Megabytes"
