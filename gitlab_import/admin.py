from django.contrib import admin

from gitlab_import.models import ImportedIssue, ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "project", "status", "dry_run", "processed", "total", "created_by", "created_at"]
    list_filter = ["status", "kind", "dry_run"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # runs start from the import page or the command


@admin.register(ImportedIssue)
class ImportedIssueAdmin(admin.ModelAdmin):
    list_display = ["source", "project", "iid", "issue", "imported_at"]
    search_fields = ["project", "=iid"]
    raw_id_fields = ["issue"]
    readonly_fields = ["digest", "imported_at"]
