"""Django admin: WIMS servers, platform registrations, deployments, keys, courses, users, audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wims_lti.api.admin import ApiTokenAdmin
from wims_lti.api.privacy_admin import forget_lms_users
from wims_lti.models import (
    ActivitySync,
    ApiToken,
    Course,
    Deployment,
    GradeLineItem,
    LmsUser,
    Lti11Outcome,
    Platform,
    ResourceLink,
    ScoreLedger,
    SupervisorEntry,
    SyncRun,
    ToolKey,
    WimsAccount,
    WimsServer,
)

# Every URL typed in the admin without a scheme means https (Django 6's default; saying so explicitly
# also silences Django 5's RemovedInDjango60Warning).
HTTPS_URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


def https_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A ModelForm's `formfield_callback` with the same rule as HTTPS_URL_FIELDS."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class WimsServerForm(forms.ModelForm):
    passwd = forms.CharField(
        label=_("adm/raw password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the current password."),
    )

    class Meta:
        model = WimsServer
        fields = ["name", "url", "ident", "passwd", "rclass", "max_concurrency"]
        formfield_callback = https_formfield

    def clean_passwd(self) -> str:
        value = self.cleaned_data.get("passwd") or ""
        if not value and self.instance.pk:
            return self.instance.passwd
        if not value:
            raise forms.ValidationError(_("A password is required."))
        return value


@admin.register(WimsServer)
class WimsServerAdmin(admin.ModelAdmin):
    form = WimsServerForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "url", "ident", "rclass", "max_concurrency"]


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 0
    fields = ["deployment_id", "status", "last_seen"]
    readonly_fields = ["last_seen"]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "issuer", "client_id", "default_wims_server", "is_active", "config_link"]
    list_filter = ["is_active"]
    search_fields = ["name", "issuer", "client_id"]
    readonly_fields = ["uuid", "registration_status"]
    inlines = [DeploymentInline]
    # The change page links the configuration page (templates/admin/wims_lti/platform/change_form.html).

    @admin.display(description=_("configuration"))
    def config_link(self, obj: Platform) -> str:
        return format_html('<a href="{}">{}</a>', reverse("lti-platform-config", args=[obj.uuid]), _("show"))

    @admin.display(description=_("registration"))
    def registration_status(self, obj: Platform) -> str:
        if obj.pk and obj.awaiting_client_id:
            return str(
                _(
                    "Waits for the client id of the LMS: paste it in “client id”, fill in the LMS's URLs "
                    "and a deployment id, and save; the registration then becomes active."
                )
            )
        return str(_("complete"))

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.awaiting_client_id:
            # Completing a waiting registration: it cannot launch without the LMS's three URLs.
            for name in ("auth_login_url", "auth_token_url", "keyset_url"):
                if name in form.base_fields:
                    form.base_fields[name].required = True
        return form

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        waited = change and Platform.objects.filter(pk=obj.pk, client_id="").exists()
        if waited and obj.client_id:
            obj.is_active = True  # its client id arrived: launches may come
        super().save_model(request, obj, form, change)


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["deployment_id", "platform", "status", "last_seen"]
    list_filter = ["status"]
    actions = ["accept", "refuse"]

    @admin.action(description=_("Accept the selected deployments"))
    def accept(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(status=Deployment.Status.ACCEPTED)

    @admin.action(description=_("Refuse the selected deployments"))
    def refuse(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(status=Deployment.Status.REFUSED)


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "status", "created", "activated_at", "retired_at"]
    fields = ("kid", "status", "public_jwk", "created", "activated_at", "retired_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # keys are made by `manage.py lti_keys`, never typed in


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["__str__", "platform", "context_id", "wims_server", "qclass", "linked_at"]
    search_fields = ["title", "context_id", "qclass"]
    exclude = ["class_password", "supervisor_password"]


@admin.register(LmsUser)
class LmsUserAdmin(admin.ModelAdmin):
    list_display = ["__str__", "platform", "sub", "email"]
    search_fields = ["sub", "given_name", "family_name", "email"]
    actions = [forget_lms_users]  # privacy requests (wims_lti/api/privacy_admin.py)


@admin.register(WimsAccount)
class WimsAccountAdmin(admin.ModelAdmin):
    list_display = ["quser", "lms_user", "course", "created"]
    search_fields = ["quser", "lms_user__sub"]


@admin.register(ResourceLink)
class ResourceLinkAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["__str__", "course", "kind", "number"]


@admin.register(SupervisorEntry)
class SupervisorEntryAdmin(admin.ModelAdmin):
    list_display = ["created", "lms_user", "course", "ip"]
    readonly_fields = ["course", "lms_user", "roles", "ip", "created"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


# --- Grades (read-only: what the sync did) ---------------------------------------------------------


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class ActivitySyncInline(admin.TabularInline):
    model = ActivitySync
    extra = 0
    can_delete = False
    fields = ("link", "status", "read", "posted", "unchanged", "failed", "message", "attempts", "finished")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(SyncRun)
class SyncRunAdmin(_ReadOnlyAdmin):
    list_display = ["created", "course", "trigger", "requested_by", "finished"]
    list_filter = ["trigger"]
    search_fields = ["course__title", "course__context_id"]
    inlines = [ActivitySyncInline]


@admin.register(ActivitySync)
class ActivitySyncAdmin(_ReadOnlyAdmin):
    list_display = ["created", "link", "run", "status", "read", "posted", "unchanged", "failed", "message"]
    list_filter = ["status", "message"]


@admin.register(GradeLineItem)
class GradeLineItemAdmin(_ReadOnlyAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["link", "origin", "url", "created"]


@admin.register(ScoreLedger)
class ScoreLedgerAdmin(_ReadOnlyAdmin):
    list_display = ["line_item", "lms_user", "status", "score_given", "score_maximum", "timestamp"]
    list_filter = ["status"]


# --- LTI 1.1 Basic Outcomes targets (written by 1.1 launches and the legacy gateway import) ------------


@admin.register(Lti11Outcome)
class Lti11OutcomeAdmin(_ReadOnlyAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["resource_link", "lms_user", "service_url", "modified"]
    search_fields = ["lms_user__sub", "lms_user__lti11_user_id", "resource_link__resource_link_id"]


# --- Admin API tokens (wims_lti/api/admin.py: the clear token is shown once) --------------------------

admin.site.register(ApiToken, ApiTokenAdmin)
