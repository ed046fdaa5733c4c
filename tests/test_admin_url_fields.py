"""The admin's URL fields: no RemovedInDjango60Warning (a scheme-less URL means https, as in Django 6)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.utils.deprecation import RemovedInDjango60Warning

from wims_lti.admin import WimsServerForm
from wims_lti.models import WimsServer

pytestmark = pytest.mark.django_db


def _url_admins() -> list[Any]:
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if any(isinstance(field, models.URLField) for field in model._meta.get_fields())
    ]


def test_every_admin_form_with_a_url_field_builds_without_the_warning(admin_user: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admins = _url_admins()
    assert len(admins) >= 4  # WIMS servers, platforms, courses, links, line items, LTI 1.1 outcomes
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango60Warning)
        for model_admin in admins:
            form = model_admin.get_form(request)()
            for field in form.fields.values():
                if isinstance(field, forms.URLField):
                    assert field.assume_scheme == "https", model_admin
        # The custom ModelForm itself, as its class is built at import time.
        subclass = forms.models.modelform_factory(WimsServer, form=WimsServerForm)
    assert subclass.base_fields["url"].clean("wims.example.org/wims/wims.cgi").startswith("https://")


def test_the_admin_pages_render_without_the_warning(admin_client: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango60Warning)
        for url in ("/admin/wims_lti/wimsserver/add/", "/admin/wims_lti/platform/add/"):
            assert admin_client.get(url).status_code == 200
