from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import fold, normalise
from geography.models import Village, VillageKind


class VillageForm(forms.Form):
    name = forms.CharField(label=_("Village name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=VillageKind.choices, initial=VillageKind.THON)

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune = commune

    def clean_name(self):
        name = normalise(self.cleaned_data["name"]).strip()
        if not fold(name).strip():
            raise forms.ValidationError(_("Enter the village's name."))
        if Village.objects.filter(commune=self.commune, name_folded=fold(name)).exists():
            raise forms.ValidationError(_("This commune already has a village with this name."))
        return name
