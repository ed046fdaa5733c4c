"""Admin of API tokens: the clear token is shown once, on the page that follows its creation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.utils.translation import gettext_lazy as _

from wims_lti.models import ApiToken
from wims_lti.services.api_tokens import api_token_create

TOKEN_SHOWN = Template(
    """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main">
<h1>{{ text.heading }}</h1>
<p>{{ text.copy_now }}</p>
<p><code id="api-token" style="font-size:1.2em;user-select:all">{{ raw }}</code></p>
<p>{{ text.scopes }} {{ token.scopes|join:", " }}</p>
<p>{{ text.use_it }} <code>Authorization: Bearer …</code></p>
<p><a href="{{ list_url }}">{{ text.back }}</a></p>
</div>{% endblock %}"""
)


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "owner", "expires_at", "is_active"]


class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "scopes", "owner", "expires_at", "last_used_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "last_used_at", "created"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:  # type: ignore[override]
        base = ["name", "scopes", "owner", "expires_at", "is_active"]
        return base if obj is None else ["prefix", *base, "last_used_at", "created"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = api_token_create(
            name=obj.name,
            scopes=list(form.cleaned_data["scopes"]),
            owner=obj.owner or (request.user if isinstance(request.user, User) else None),
            expires_at=obj.expires_at,
        )
        if not obj.is_active:
            ApiToken.objects.filter(pk=token.pk).update(is_active=False)
        obj.pk, obj.prefix, obj.key_hash, obj.scopes = token.pk, token.prefix, token.key_hash, token.scopes
        obj._state.adding = False
        request._api_token_raw = raw  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None
    ) -> HttpResponse:
        raw = getattr(request, "_api_token_raw", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = Context(
            {
                **self.admin_site.each_context(request),
                "token": obj,
                "raw": raw,
                "text": {
                    "heading": _("API token “%(name)s” created") % {"name": obj.name},
                    "copy_now": _("Copy it now: it is shown only once (only its hash is stored)."),
                    "scopes": _("Scopes:"),
                    "use_it": _("Use it as:"),
                    "back": _("Back to the API tokens"),
                },
                "list_url": "../",
                "title": _("API token created"),
            }
        )
        response = HttpResponse(TOKEN_SHOWN.render(context))
        response["Cache-Control"] = "no-store"
        return response
