"""Compile every locale*/*/LC_MESSAGES/*.po to .mo with polib (no system gettext needed).

locale/ is ours; locale_vendor/ holds the Vietnamese allauth does not ship.

Only recompiles a catalogue whose .po is newer than its .mo.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in ROOT.glob("locale*/*/LC_MESSAGES/*.po"):
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
