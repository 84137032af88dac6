"""Vietnamese text handling: NFC on the way in, and a folded form for search.

Search ignores case, diacritics and the đ/d distinction (ARCHITECTURE.md), so "dong thap" finds
"Đồng Tháp". The folded form is computed here, in one place, and stored in indexed columns.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """NFC-normalise and trim, collapsing runs of white space (input from phones and Excel)."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str | None) -> str:
    """Lower-case ASCII form without diacritics: 'Nguyễn Thị Hoà' -> 'nguyen thi hoa'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.casefold()).strip()


def without_nul(value):
    """The value with NUL characters removed from every string in it: PostgreSQL refuses NUL in
    text and JSON. For raw input stored without a form's validation (drafts, logged queries);
    form fields refuse NUL themselves (Django's ProhibitNullCharactersValidator)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value
