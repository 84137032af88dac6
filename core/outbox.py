"""Enqueue Celery tasks through an outbox table (ARCHITECTURE.md: tasks take ids, enqueue on
commit). `enqueue` never raises because of the broker: a request that changed data answers
even when Redis is down, and `drain` (every minute, from beat) sends what is still waiting."""

import logging
from datetime import timedelta
from importlib import import_module

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task: str, *args) -> OutboxMessage:
    """Record the task with the current transaction; send it once the transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: send(message.pk))
    return message


def send(message_id: int) -> bool:
    """Send one waiting message; claim it first so two senders never send it twice."""
    claimed = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    if current_app.conf.task_always_eager:
        # No broker (the embedded default): run now, in this process, as .delay() would.
        import_module(message.task.rsplit(".", 1)[0])  # register the task if nothing imported it yet
        current_app.tasks[message.task].apply(args=message.args, throw=True)
        return True
    try:
        current_app.send_task(message.task, args=message.args)
    except Exception as error:  # noqa: BLE001 - the broker is down: keep the message for drain()
        logger.warning("outbox: %s not sent (%s); it will be retried", message, error)
        OutboxMessage.objects.filter(pk=message_id).update(sent_at=None, last_error=str(error)[:255])
        return False
    return True


def drain(older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Send messages left behind (the broker was down when they were written)."""
    cutoff = timezone.now() - older_than
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).order_by("created_at")
    return sum(send(pk) for pk in waiting.values_list("pk", flat=True)[:limit])
