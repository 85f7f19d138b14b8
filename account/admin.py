from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from account.models import Account, User, default_account_id


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["title", "storage_human", "max_file_transfer_human", "user_count"]
    search_fields = ["title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(user_count=Count("users"))

    @admin.display(description="Storage", ordering="storage")
    def storage_human(self, obj: Account) -> str:
        return filesizeformat(obj.storage)

    @admin.display(description="Max file size", ordering="max_file_transfer")
    def max_file_transfer_human(self, obj: Account) -> str:
        return filesizeformat(obj.max_file_transfer)

    @admin.display(description="Users", ordering="user_count")
    def user_count(self, obj: Account) -> int:
        return obj.user_count  # type: ignore[attr-defined]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "account", "storage_usage", "is_staff"]
    list_filter = ["account", "is_staff", "is_superuser", "is_active"]
    list_select_related = ["account"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        ("Quota", {"fields": ["account", "used_storage"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("Quota", {"fields": ["account"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        # A string, as if given in the query string (?account=<id>), which still overrides it.
        return {"account": str(default_account_id()), **super().get_changeform_initial_data(request)}

    # Kept equal to the sum of the user's files by the upload services.
    readonly_fields = ["used_storage"]

    @admin.display(description="Used / total", ordering="used_storage")
    def storage_usage(self, obj: User) -> str:
        return f"{filesizeformat(obj.used_storage)} / {filesizeformat(obj.account.storage)}"
