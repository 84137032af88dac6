"""Filled by a later issue (see the issue list)."""
