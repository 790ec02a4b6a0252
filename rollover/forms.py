from django import forms


class HandbookMRForm(forms.Form):
    handbook_mr_url = forms.URLField(
        label="Handbook merge request URL",
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://gitlab.com/…/-/merge_requests/123"}),
    )
    handbook_mr_merged = forms.BooleanField(label="Merged", required=False)


class RolloverReasonForm(forms.Form):
    rollover_reason = forms.CharField(
        label="Rollover reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneCloseForm(forms.Form):
    """Closing asks for confirmation: the box must be ticked (a closed milestone takes no more issues)."""

    confirm = forms.BooleanField(label="Yes, close this milestone: no issue can be put in it any more", required=True)


class MilestoneReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen it?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )
