import requests
from celery import shared_task
from django.utils import timezone

from referrals.webhooks import body_of, signature

MAX_ATTEMPTS = 6  # back-off 1, 2, 4, 8, 16 minutes, then the delivery is marked failed


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1, soft_time_limit=30, time_limit=60)
def deliver_webhook(self, delivery_id: int) -> str:
    from referrals.models import WebhookDelivery

    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.state == WebhookDelivery.State.DELIVERED:
        return delivery.state  # a retry after success sends nothing twice
    body = body_of(delivery)
    headers = {"Content-Type": "application/json", "X-Event-Id": str(delivery.event_id),
               "X-Signature": signature(delivery.webhook.secret, body)}
    delivery.attempts += 1
    try:
        response = requests.post(delivery.webhook.url, data=body, headers=headers, timeout=10)
        delivery.last_status_code = response.status_code
        ok = 200 <= response.status_code < 300
        delivery.last_error = "" if ok else f"HTTP {response.status_code}"
    except requests.RequestException as error:
        ok, delivery.last_error = False, str(error)[:255]
    if ok:
        delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
    delivery.save()
    if not ok and delivery.state != WebhookDelivery.State.FAILED and not self.request.is_eager:
        raise self.retry(countdown=60 * 2 ** (delivery.attempts - 1))
    return delivery.state


@shared_task(acks_late=True)
def notify_overdue_referrals() -> int:
    from referrals.services import notify_overdue

    return notify_overdue()
