"""Webhooks to partner agencies: an event row per delivery, sent by Celery with back-off, signed
with HMAC-SHA256 so the agency can check it came from us."""

import hashlib
import hmac
import json
import uuid

from django.utils import timezone

from core import outbox


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_payload(referral, event: str, event_id: uuid.UUID) -> dict:
    # Ids only: the agency fetches the shared information over the API with its token.
    return {"id": str(event_id), "event": event, "created_at": timezone.now().isoformat(),
            "referral": {"id": str(referral.public_id), "status": referral.status,
                         "service_type": referral.service_type.code}}


def announce(referral, event: str) -> None:
    from referrals.models import AgencyWebhook, WebhookDelivery

    webhook = AgencyWebhook.objects.filter(agency_id=referral.agency_id, is_active=True).first()
    if webhook is None:
        return
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(webhook=webhook, event=event, event_id=event_id,
                                              payload=event_payload(referral, event, event_id))
    # Through the outbox, sent when the transaction commits: with Redis down the referral is still
    # sent and the delivery goes out when the broker is back (core.outbox.drain).
    outbox.enqueue("referrals.tasks.deliver_webhook", delivery.pk)


def body_of(delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
