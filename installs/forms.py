"""
The weekly entry form: households and installed per measure, the versions the
user saw, and the confirmation and reason that warnings ask for.

It only parses what was typed (installs.validation.parse_count); every rule about
the numbers is checked by installs.services.figures.figures_save.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core import validators as django_validators
from django.utils.translation import gettext_lazy as _

from installs import layout, validation
from installs.free_text import OneLineTextValidator
from installs.models import Measure, Region
from installs.services.figures import FigureInput, problem_message

# history_change_reason holds 100 characters, and the source label comes first.
REASON_MAX_LENGTH = 80


class OneLineTextField(forms.CharField):
    """
    Free text on one line (a reason, a note): control characters and line
    breaks refused with a message (installs.free_text), NUL included, so
    Django's own NUL check (an English-only message) is left out.
    """

    text_validator = OneLineTextValidator()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, django_validators.ProhibitNullCharactersValidator)
        ]
        self.validators.insert(0, self.text_validator)


class CountField(forms.Field):
    """A count typed by a person; full-width digits welcome (see validation.parse_count)."""

    def __init__(self, *, measure: Measure, name: str, **kwargs) -> None:
        self.measure = measure
        self.name = name
        attrs = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "class": "count-input",
            "data-field": name,
        }
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        try:
            return validation.parse_count(value)
        except validation.CountError as error:
            raise forms.ValidationError(
                problem_message(error.code, self.measure, self.name, {}), code=error.code
            ) from None

    def validate(self, value) -> None:
        pass  # parse_count has refused empty text already, with a message naming the field


class VersionField(forms.Field):
    """The snapshot version the form was built from; empty when there was none."""

    widget = forms.HiddenInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            version = int(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The form was changed; reload the page.")) from None
        if version < 1:
            raise forms.ValidationError(_("The form was changed; reload the page."))
        return version


@dataclass
class EntryRow:
    """One measure's inputs, for the template."""

    measure: Measure
    households: forms.BoundField
    installed: forms.BoundField
    version: forms.BoundField


class EntryForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("I have checked these figures and confirm them"), required=False
    )
    reason = OneLineTextField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_(
            "Needed when installed is lower than last week (a correction), and for any "
            "change to a week that is locked or published."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, measures: list[Measure], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        for measure in measures:
            for name in ("households", "installed"):
                self.fields[self.field_name(measure, name)] = CountField(
                    measure=measure,
                    name=name,
                    label=layout.FIELD_LABELS[name],
                )
            self.fields[self.field_name(measure, "version")] = VersionField(required=False)

    @staticmethod
    def field_name(measure: Measure, name: str) -> str:
        return f"{measure.slug}-{name}"

    def rows(self) -> list[EntryRow]:
        return [
            EntryRow(
                measure=m,
                households=self[self.field_name(m, "households")],
                installed=self[self.field_name(m, "installed")],
                version=self[self.field_name(m, "version")],
            )
            for m in self.measures
        ]

    def figures(self, region: Region) -> list[FigureInput]:
        data = self.cleaned_data
        return [
            FigureInput(
                region=region,
                measure=m,
                households=data[self.field_name(m, "households")],
                installed=data[self.field_name(m, "installed")],
                version=data[self.field_name(m, "version")],
            )
            for m in self.measures
        ]
