from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from cloud_export.models import ExportItem, ExportJob
from cloud_export.services import export_job_retry_failed

# A tuple: the stubs type both options as a list or tuple of wider items, and only a tuple is covariant.
ITEM_FIELDS = ("folder", "name", "size", "state", "attempts", "last_error", "cloud_file_id")


class ExportItemInline(admin.TabularInline):
    model = ExportItem
    fields = ITEM_FIELDS
    readonly_fields = ITEM_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "folder",
        "cloud",
        "state",
        "total",
        "done",
        "failed",
        "error",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "export_request__cloud_type"]
    search_fields = ["export_request__folder_name", "export_request__archive_url", "cloud_account"]
    readonly_fields = [
        "export_request", "state", "cloud_account", "listed", "total", "done", "failed", "error",
        "callback_sent_at", "created_at", "finished_at", "token_expires_at",
    ]  # fmt: skip
    exclude = ["access_token_encrypted", "refresh_token_encrypted"]
    inlines = [ExportItemInline]
    actions = ["retry_failed"]

    @admin.display(description="folder")
    def folder(self, job: ExportJob) -> str:
        return job.export_request.folder_name

    @admin.display(description="cloud")
    def cloud(self, job: ExportJob) -> str:
        return job.export_request.get_cloud_type_display()

    @admin.action(description="Retry the failed photos")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[ExportJob]) -> None:
        reset = sum(export_job_retry_failed(job=job) for job in queryset)
        self.message_user(request, f"{reset} photos queued again.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
