from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from core.calendar import calendar_changed
        from core.models import Holiday, WorkingSaturday

        for model in (Holiday, WorkingSaturday):
            post_save.connect(calendar_changed, sender=model, dispatch_uid=f"calendar-save-{model.__name__}")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=f"calendar-delete-{model.__name__}")
