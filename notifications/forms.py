from django import forms

from notifications.models import Kind


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Send me an e-mail when someone…",
    )
    daily_digest = forms.BooleanField(
        required=False,
        label="One daily digest instead of an e-mail each time",
        help_text="The digest goes out once a day with everything ticked above that you have not been sent.",
    )
