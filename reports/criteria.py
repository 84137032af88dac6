"""The 13 criteria of the child-friendly commune standard (Decision 06/QĐ-TTg of 3 January 2019),
read from data/child_friendly_criteria.json, and the recognition rule."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data" / "child_friendly_criteria.json"
DEFAULT_MAXIMUM = 100
MAXIMUM_IN_NOTE = re.compile(r"max (\d+) points")


@dataclass(frozen=True)
class Criterion:
    number: int
    name_vi: str
    name_en: str
    note: str
    maximum: int

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


@cache
def criteria() -> tuple[Criterion, ...]:
    """Each criterion scores up to 100 points, unless its note says otherwise (criterion 6: 125)."""
    found = []
    for item in json.loads(DATA.read_text(encoding="utf-8"))["criteria"]:
        note = item.get("note", "")
        match = MAXIMUM_IN_NOTE.search(note)
        found.append(Criterion(item["n"], item["vi"], item["en"], note,
                               int(match.group(1)) if match else DEFAULT_MAXIMUM))
    return tuple(found)


def evaluate(scores: dict[int, int], area_type: str) -> tuple[int, bool]:
    """(total, recognised). Recognised when every one of the 13 criteria is met (none scored 0)
    and the total reaches the threshold for the commune's type (ChildFriendlyAssessment.THRESHOLDS:
    900 urban wards of centrally-run cities, 800 mountain, island or extremely disadvantaged
    communes, 850 the others)."""
    from reports.models import ChildFriendlyAssessment

    total = sum(scores.get(c.number, 0) for c in criteria())
    all_met = all(scores.get(c.number, 0) > 0 for c in criteria())
    return total, all_met and total >= ChildFriendlyAssessment.THRESHOLDS[area_type]
