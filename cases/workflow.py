"""The Decree 56/2017 procedure as one table of allowed moves (arts. 24-33).

Every change of a case's status goes through `apply`, which refuses a move the table does not
allow, a move whose required form is missing, and a self-approval, with a message for the user.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.choices import Status as S
from cases.models import DocumentKind as D


@dataclass(frozen=True)
class Move:
    action: str
    label: object
    sources: tuple[str, ...]
    target: str
    requires: tuple[str, ...] = ()  # document kinds that must exist first
    supervisor_only: bool = False
    needs_note: bool = False  # a reason or comments are required


MOVES = [
    Move("start_initial_assessment", _("Start the initial assessment"), (S.RECEIVED,), S.INITIAL_ASSESSMENT,
         requires=(D.INTAKE,)),
    # Art. 26(3), 31: emergency protection within 12 hours, before or after the first assessment.
    Move("record_emergency_protection", _("Record emergency protection"), (S.RECEIVED, S.INITIAL_ASSESSMENT),
         S.EMERGENCY_PROTECTION, requires=(D.SEPARATION,)),
    Move("start_detailed_assessment", _("Start the detailed assessment"),
         (S.INITIAL_ASSESSMENT, S.EMERGENCY_PROTECTION), S.DETAILED_ASSESSMENT, requires=(D.INITIAL_ASSESSMENT,)),
    Move("hold_case_conference", _("Hold the case conference"), (S.DETAILED_ASSESSMENT,), S.CASE_CONFERENCE,
         requires=(D.DETAILED_ASSESSMENT,)),
    Move("start_plan", _("Draft the plan"), (S.CASE_CONFERENCE,), S.PLAN_DRAFTED, requires=(D.CONFERENCE,)),
    # Art. 28(1): the plan within 5 working days; art. 28(4): approved within 2 working days.
    Move("submit_plan", _("Submit the plan for approval"), (S.PLAN_DRAFTED,), S.PLAN_SUBMITTED, requires=(D.PLAN,)),
    Move("approve_plan", _("Approve the plan"), (S.PLAN_SUBMITTED,), S.PLAN_APPROVED, supervisor_only=True),
    Move("reject_plan", _("Return the plan with comments"), (S.PLAN_SUBMITTED,), S.PLAN_DRAFTED,
         supervisor_only=True, needs_note=True),
    Move("start_implementation", _("Start carrying out the plan"), (S.PLAN_APPROVED,), S.IN_PROGRESS),
    Move("start_review", _("Review the plan's results"), (S.IN_PROGRESS,), S.REVIEW),
    Move("replan", _("Make a new plan"), (S.REVIEW,), S.PLAN_DRAFTED, needs_note=True),
    Move("request_closure", _("Ask to close the case"),
         (S.REVIEW, S.INITIAL_ASSESSMENT, S.DETAILED_ASSESSMENT), S.CLOSURE_REQUESTED, requires=(D.CLOSURE,)),
    Move("approve_closure", _("Approve closure"), (S.CLOSURE_REQUESTED,), S.CLOSED, supervisor_only=True),
    Move("reject_closure", _("Refuse closure with comments"), (S.CLOSURE_REQUESTED,), S.REVIEW,
         supervisor_only=True, needs_note=True),
    Move("reopen", _("Reopen the case"), (S.CLOSED,), S.INITIAL_ASSESSMENT, needs_note=True),
]
MOVES_BY_ACTION = {move.action: move for move in MOVES}
# Closure from an assessment (no protection need found) also needs a Form 06 only after a plan.
REVIEW_REQUIRED_FROM = {S.REVIEW}


class IllegalMove(Exception):
    """The move is not allowed now; the message says why."""


def moves_from(status: str) -> list[Move]:
    return [move for move in MOVES if status in move.sources]


def move_for(action: str) -> Move:
    try:
        return MOVES_BY_ACTION[action]
    except KeyError:
        raise IllegalMove(_("Unknown action: %(action)s") % {"action": action}) from None
