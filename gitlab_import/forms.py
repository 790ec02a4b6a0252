from django import forms

from gitlab_import.label_map import label_map_parse
from gitlab_import.models import SourceKind
from mktgops_portal.errors import PortalError

MAX_LABEL_MAP_BYTES = 256 * 1024


class ImportForm(forms.Form):
    """The managers' import page: an export file or a GitLab project; the same options as the command."""

    kind = forms.ChoiceField(
        label="Source", choices=SourceKind.choices, initial=SourceKind.EXPORT, widget=forms.RadioSelect
    )
    export_file = forms.FileField(
        label="GitLab project export (.tar.gz)",
        required=False,
        help_text="Project → Settings → General → Advanced → Export project, then upload the file it mails you.",
    )
    url = forms.URLField(
        label="GitLab URL",
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://gitlab.com"}),
    )
    project = forms.CharField(
        label="Project path",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "group/project"}),
        help_text="For the API; the token is the server's GITLAB_TOKEN.",
    )
    since = forms.DateField(
        label="Only issues updated since", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    label_map = forms.FileField(
        label="Label map (JSON)",
        required=False,
        help_text='{"old label": "new label", …}: older stage spellings and renamed labels, on top of the defaults.',
    )
    dry_run = forms.BooleanField(label="Dry run: report what would change, change nothing", required=False)

    def clean_export_file(self):
        upload = self.cleaned_data.get("export_file")
        if upload is not None and not upload.name.endswith((".tar.gz", ".tgz")):
            raise forms.ValidationError("A GitLab project export is a .tar.gz file.")
        return upload

    def clean_label_map(self):
        upload = self.cleaned_data.get("label_map")
        if upload is None:
            return {}
        if upload.size > MAX_LABEL_MAP_BYTES:
            raise forms.ValidationError("A label map is a small JSON file (256 KB at most).")
        try:
            return label_map_parse(upload.read(), where=upload.name)
        except PortalError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        if data.get("kind") == SourceKind.EXPORT and not data.get("export_file") and "export_file" not in self.errors:
            self.add_error("export_file", "Choose the export file to import.")
        if data.get("kind") == SourceKind.API:
            for name in ("url", "project"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Needed to read the project through the API.")
        return data
