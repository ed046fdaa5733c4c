"""Django admin: WIMS servers, platform registrations, deployments, keys, courses, users, audit."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
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
    Tenant,
    ToolKey,
    WimsAccount,
    WimsServer,
)
from wims_lti.services.platforms import platform_tenant_settle, tenant_keys_conflict, tenant_resolve

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


SECRET_SHOWN = Template(
    """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main">
<h1>{{ text.heading }}</h1>
<p>{{ text.copy_now }}</p>
<p><code id="lti11-secret" style="font-size:1.2em;user-select:all">{{ secret }}</code></p>
<p><a href="{{ back_url }}">{{ text.back }}</a></p>
</div>{% endblock %}"""
)


class PlatformForm(forms.ModelForm):
    """The LTI 1.1 secret is write-only: never rendered, kept when left empty, replaceable, or generated
    (then shown once, on the page that follows the save)."""

    lti11_secret = forms.CharField(
        label=_("LTI 1.1 shared secret"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: stored encrypted and never shown. Leave empty to keep the current one."),
    )
    generate_lti11_secret = forms.BooleanField(
        label=_("Generate a new LTI 1.1 secret"), required=False, help_text=_("Shown once, after saving.")
    )

    class Meta:
        model = Platform
        fields = [
            "name", "issuer", "client_id", "auth_login_url", "auth_token_url", "auth_audience", "keyset_url",
            "default_wims_server", "wims_servers", "institution", "unknown_deployment_policy", "is_active",
            "subroles_are_staff", "return_url_hosts", "lti11_consumer_key", "lti11_secret",
        ]  # fmt: skip
        formfield_callback = https_formfield

    def clean_lti11_secret(self) -> str:
        value = self.cleaned_data.get("lti11_secret") or ""
        return value or (self.instance.lti11_secret if self.instance.pk else "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new_keys = self.instance.pk is None or self.instance.awaiting_client_id
        issuer, keyset_url = data.get("issuer") or self.instance.issuer, data.get("keyset_url")
        if new_keys and issuer and keyset_url is not None:
            conflict = tenant_keys_conflict(issuer=issuer, keyset_url=keyset_url)
            if conflict:
                self.add_error("keyset_url", conflict)
        return data


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    form = PlatformForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = [
        "name",
        "issuer",
        "client_id",
        "tenant",
        "default_wims_server",
        "is_active",
        "config_link",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "issuer", "client_id"]
    readonly_fields = ["uuid", "tenant", "registration_status"]
    filter_horizontal = ["wims_servers"]
    inlines = [DeploymentInline]
    # The change page links the configuration page (templates/admin/wims_lti/platform/change_form.html).

    def get_readonly_fields(self, request: HttpRequest, obj: Platform | None = None) -> list[str]:  # type: ignore[override]
        # Issuer and keys are the tenant's: a registration never moves to other keys on its own. A
        # registration waiting for its client id gets its keys when it is completed.
        # (From the database: a submitted form has already put the typed client id on `obj`.)
        locked = obj is not None and Platform.objects.filter(pk=obj.pk).exclude(client_id="").exists()
        return ["uuid", "tenant", "registration_status", *(["issuer", "keyset_url"] if locked else [])]

    def save_model(self, request: HttpRequest, obj: Platform, form: forms.ModelForm, change: bool) -> None:
        if form.cleaned_data.get("generate_lti11_secret"):
            obj.lti11_secret = secrets.token_urlsafe(24)
            request._lti11_secret = obj.lti11_secret  # type: ignore[attr-defined]
        waited = change and Platform.objects.filter(pk=obj.pk, client_id="").exists()
        if waited and obj.client_id:
            obj.is_active = True  # its client id arrived: launches may come
        if obj.tenant_id is None:
            obj.tenant = tenant_resolve(issuer=obj.issuer, keyset_url=obj.keyset_url, name=obj.name)
        elif waited and obj.tenant is not None and obj.tenant.keyset_url != obj.keyset_url:
            platform_tenant_settle(platform=obj, keyset_url=obj.keyset_url)
        super().save_model(request, obj, form, change)

    def _secret_page(self, request: HttpRequest, obj: Platform) -> HttpResponse | None:
        secret = getattr(request, "_lti11_secret", None)
        if secret is None:
            return None
        context = Context(
            {
                **self.admin_site.each_context(request),
                "secret": secret,
                "back_url": reverse("admin:wims_lti_platform_change", args=[obj.pk]),
                "title": _("LTI 1.1 secret"),
                "text": {
                    "heading": _("New LTI 1.1 secret of “%(name)s”") % {"name": obj.name},
                    "copy_now": _("Copy it into the LMS now: it is shown only this once."),
                    "back": _("Back to the platform"),
                },
            }
        )
        response = HttpResponse(SECRET_SHOWN.render(context))
        response["Cache-Control"] = "no-store"
        return response

    def response_add(
        self, request: HttpRequest, obj: Platform, post_url_continue: Any = None
    ) -> HttpResponse:
        return self._secret_page(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Platform) -> HttpResponse:
        return self._secret_page(request, obj) or super().response_change(request, obj)

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


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """An LMS and its keys. Changing the keyset URL here (the platform moved its keys) moves every
    registration of the tenant with it."""

    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["__str__", "issuer", "keyset_url", "created"]
    search_fields = ["name", "issuer"]
    readonly_fields = ["issuer", "registrations_list"]
    fields = ["name", "issuer", "keyset_url", "registrations_list"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with the first registration of an issuer and keyset

    @admin.display(description=_("registrations"))
    def registrations_list(self, obj: Tenant) -> str:
        return ", ".join(f"{p.name} ({p.client_id})" for p in obj.registrations.all()) or "-"

    def save_model(self, request: HttpRequest, obj: Tenant, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        obj.registrations.update(keyset_url=obj.keyset_url)


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
    fields = (
        "link", "status", "read", "posted", "unchanged", "failed", "message", "error_counts",
        "progress_counts", "attempts", "heartbeat", "worker", "finished",
    )  # fmt: skip
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
