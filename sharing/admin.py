"""Share links and file requests per user, with revoke and close; each tier's expiry rules on its page."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from account.admin import AccountAdmin
from account.models import Account
from sharing.models import FileRequest, ShareLink, SharePolicy, Submission, live_q
from sharing.requests_services import file_requests_close
from sharing.services import share_links_revoke


class SharePolicyInline(admin.StackedInline):
    model = SharePolicy
    can_delete = True
    extra = 0
    max_num = 1
    verbose_name = "share link rules"


# The tier's page gains its sharing rules without the account app knowing of sharing.
admin.site.unregister(Account)


@admin.register(Account)
class AccountWithSharingAdmin(AccountAdmin):
    inlines = [*AccountAdmin.inlines, SharePolicyInline]


class LiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        # The same words as the State column.
        return [("yes", "Active"), ("no", "Expired, revoked or used up")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> QuerySet[ShareLink]:
        live = live_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(live)
        if self.value() == "no":
            return queryset.exclude(live)
        return queryset


LINK_FIELDS = [
    "file",
    "label",
    "token",
    "has_password",
    "expires_at",
    "download_limit",
    "download_count",
    "revoked_at",
    "created_at",
]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "owner",
        "label",
        "state_shown",
        "downloads",
        "expires_at",
    ]
    list_filter = [LiveFilter, ("file__owner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["file__owner"]
    search_fields = ["file__owner__username", "file__name", "label"]
    actions = ["revoke"]
    fields = tuple(LINK_FIELDS)
    readonly_fields = LINK_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # links are made by their owners (the drive, the API)

    @admin.display(description="File", ordering="file__name")
    def file_name(self, obj: ShareLink) -> str:
        return obj.file.name

    @admin.display(description="Owner", ordering="file__owner__username")
    def owner(self, obj: ShareLink) -> str:
        return obj.file.owner.username

    @admin.display(description="State")
    def state_shown(self, obj: ShareLink) -> str:
        return obj.state().label

    # One column for count and limit keeps the table within a laptop's width.
    @admin.display(description="Downloads", ordering="download_count")
    def downloads(self, obj: ShareLink) -> str:
        limit = f" of {obj.download_limit}" if obj.download_limit else ""
        return f"{obj.download_count}{limit}"

    @admin.display(description="Password", boolean=True)
    def has_password(self, obj: ShareLink) -> bool:
        return obj.has_password

    @admin.action(description="Revoke the selected links")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        count = share_links_revoke(links=queryset)
        self.message_user(request, f"{count} link(s) revoked.")


class SubmissionInline(admin.TabularInline):
    model = Submission
    extra = 0
    can_delete = False
    fields = ("uploader", "created_at", "file_names")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Files")
    def file_names(self, obj: Submission) -> str:
        return ", ".join(row.original_name for row in obj.files.all())


@admin.register(FileRequest)
class FileRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "state_shown", "deadline", "size_limit", "extensions", "created_at"]
    list_filter = [("owner", admin.RelatedOnlyFieldListFilter), "closed_at"]
    list_select_related = ["owner"]
    search_fields = ["owner__username", "title"]
    actions = ["close"]
    fields = ("owner", "title", "token", "deadline", "size_limit", "extensions", "closed_at", "created_at")
    readonly_fields = fields
    inlines = [SubmissionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests are made by their owners (the drive, the API)

    @admin.display(description="State")
    def state_shown(self, obj: FileRequest) -> str:
        return obj.state().label

    @admin.action(description="Close the selected requests")
    def close(self, request: HttpRequest, queryset: QuerySet[FileRequest]) -> None:
        count = file_requests_close(requests=queryset)
        self.message_user(request, f"{count} request(s) closed.")
