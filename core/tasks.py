from celery import shared_task


@shared_task(acks_late=True)
def drain_outbox() -> int:
    from core.outbox import drain

    return drain()
