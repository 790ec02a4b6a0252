from django.contrib import admin

from sales_systems.models import SystemsRequest


@admin.register(SystemsRequest)
class SystemsRequestAdmin(admin.ModelAdmin):
    list_display = ["issue", "fast_track"]
    list_filter = ["fast_track"]
    raw_id_fields = ["issue"]
