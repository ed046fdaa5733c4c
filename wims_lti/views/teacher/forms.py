"""Forms of the linking page, checked against WIMS's own limits before anything is sent to WIMS."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wims_lti.models import WimsServer
from wims_lti.services.courses import CLASS_MAX_DAYS, ClassOptions
from wims_lti.views.errors import Text
from wims_lti.wims import identifiers as ids
from wims_lti.wims.errors import WimsValidationError

LANGS = (("fr", _("French")), ("en", _("English")))
LEVELS = (
    [(f"E{i}", format_lazy(_("Primary school, level {n}"), n=i)) for i in range(1, 7)]
    + [(f"H{i}", format_lazy(_("Secondary school, level {n}"), n=i)) for i in range(1, 7)]
    + [(f"U{i}", format_lazy(_("University, year {n}"), n=i)) for i in range(1, 6)]
    + [("G", _("Graduate studies")), ("R", _("Research"))]
)


class AccessibleForm(forms.Form):
    """Errors tied to their field (`aria-describedby`, `aria-invalid`) for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.prefix_name}_%s")
        super().__init__(*args, **kwargs)

    prefix_name = "form"

    def _id(self, name: str) -> str:
        return str(self.auto_id) % name

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            described = [f"{self._id(name)}_help"] if field.help_text else []
            if name in self.errors:
                described.append(f"{self._id(name)}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def __getitem__(self, name: str) -> Any:
        field = self.fields[name]
        if field.help_text and "aria-describedby" not in field.widget.attrs:
            field.widget.attrs["aria-describedby"] = f"{self._id(name)}_help"
        return super().__getitem__(name)


def _wims_check(name: str, value: object, message: Text) -> object:
    """Run WIMS's own rule for one addclass field; `message` (translated) when it fails."""
    try:
        return ids.check_class_info({name: value}, partial=True)[name]
    except WimsValidationError:
        raise forms.ValidationError(str(message)) from None  # rendered in the request's language


class CreateClassForm(AccessibleForm):
    prefix_name = "create"

    description = forms.CharField(
        label=_("Class name in WIMS"),
        max_length=ids.DESCRIPTION_MAX,
        help_text=format_lazy(
            _("{min} to {max} characters."), min=ids.DESCRIPTION_MIN, max=ids.DESCRIPTION_MAX
        ),
    )
    institution = forms.CharField(
        label=_("Institution"),
        max_length=ids.INSTITUTION_MAX,
        help_text=format_lazy(
            _("{min} to {max} characters."), min=ids.INSTITUTION_MIN, max=ids.INSTITUTION_MAX
        ),
    )
    lang = forms.ChoiceField(label=_("Language of the class"), choices=LANGS)
    expiration = forms.DateField(
        label=_("Expiration date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("WIMS archives the class after this date (at most one year from today)."),
    )
    limit = forms.IntegerField(
        label=_("Maximum number of participants"),
        min_value=1,
        help_text=_("Students of the course get a WIMS account on their first visit."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=LEVELS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.WIMS_CLASS_LIMIT
        self.fields["limit"].validators.append(MaxValueValidator(limit))
        self.fields["limit"].widget.attrs.update(min=1, max=limit)

    @classmethod
    def initial_from(cls, options: ClassOptions) -> CreateClassForm:
        return cls(
            initial={
                "description": options.description,
                "institution": options.institution,
                "lang": options.lang,
                "expiration": options.expiration,
                "limit": options.limit,
                "level": options.level,
            }
        )

    def clean_description(self) -> str:
        return str(
            _wims_check(
                "description",
                self.cleaned_data["description"],
                _("The class name needs at least %(min)s characters (letters or digits).")
                % {"min": ids.DESCRIPTION_MIN},
            )
        )

    def clean_institution(self) -> str:
        return str(
            _wims_check(
                "institution",
                self.cleaned_data["institution"],
                _("The institution needs at least %(min)s characters.") % {"min": ids.INSTITUTION_MIN},
            )
        )

    def clean_expiration(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["expiration"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("The expiration date must be in the future."))
        if value > today + datetime.timedelta(days=CLASS_MAX_DAYS):
            raise forms.ValidationError(_("WIMS classes expire at most one year from today."))
        _wims_check("expiration", value, _("Enter a valid date."))
        return value

    def clean_level(self) -> str:
        return str(_wims_check("level", self.cleaned_data["level"], _("Choose a level from the list.")))

    def options(self) -> ClassOptions:
        data = self.cleaned_data
        return ClassOptions(
            description=data["description"],
            institution=data["institution"],
            lang=data["lang"],
            expiration=data["expiration"],
            limit=data["limit"],
            level=data["level"],
        )


class LinkClassForm(AccessibleForm):
    prefix_name = "link"

    server = forms.ModelChoiceField(
        label=_("WIMS server"), queryset=WimsServer.objects.all(), empty_label=None, to_field_name="name"
    )
    qclass = forms.CharField(
        label=_("WIMS class number"),
        max_length=12,
        help_text=_("The number WIMS shows for the class, e.g. 1234567."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    supervisor_password = forms.CharField(
        label=_("Supervisor password of the class"),
        max_length=64,
        strip=False,
        required=False,
        help_text=_(
            "Your teacher password of this class in WIMS: it proves the class is yours (not needed to link "
            "again the class this course created)."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )

    def __init__(self, *args: Any, servers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if servers is not None:  # only the servers the teacher's platform may use
            self.fields["server"].queryset = servers  # type: ignore[attr-defined]

    def clean_qclass(self) -> str:
        value = self.cleaned_data["qclass"].strip()
        try:
            return ids.check_class_id(value)
        except WimsValidationError:
            raise forms.ValidationError(_("A WIMS class number has digits only.")) from None
