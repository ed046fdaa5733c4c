"""Admin action on LMS users: forget them (anonymise or delete; optionally in WIMS too), after a
confirmation page. Same service as `manage.py forget_user`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wims_lti.models import LmsUser
from wims_lti.services.privacy import Mode, lms_user_forget

CONFIRM = Template(
    """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main">
<h1>{{ text.heading }}</h1>
<ul>{% for user in users %}<li>{{ user }} ({{ user.platform }}, {{ user.sub }})</li>{% endfor %}</ul>
<form method="post">{% csrf_token %}
{% for user in users %}<input type="hidden" name="{{ checkbox_name }}" value="{{ user.pk }}">{% endfor %}
<input type="hidden" name="action" value="forget_lms_users">
<p><label><input type="radio" name="mode" value="anonymise" checked> {{ text.anonymise }}</label></p>
<p><label><input type="radio" name="mode" value="delete"> {{ text.delete }}</label></p>
<p><label><input type="checkbox" name="in_wims" value="1"> {{ text.in_wims }}</label></p>
<p><input type="submit" name="confirm" value="{{ text.confirm }}"> <a href="">{{ text.cancel }}</a></p>
</form></div>{% endblock %}"""
)


@admin.action(description=gettext_lazy("Forget the selected users (privacy request)…"))
def forget_lms_users(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[LmsUser]
) -> HttpResponse | None:
    if request.POST.get("confirm"):
        mode: Mode = "delete" if request.POST.get("mode") == "delete" else "anonymise"
        in_wims = request.POST.get("in_wims") == "1"
        done = failed = 0
        for user in queryset.select_related("platform"):
            report = lms_user_forget(user=user, mode=mode, in_wims=in_wims)
            if report.ok:
                done += 1
            else:
                failed += 1
                for error in report.wims_errors:
                    modeladmin.message_user(
                        request, _("WIMS account not deleted: %(error)s") % {"error": error}, messages.ERROR
                    )
        if done:
            modeladmin.message_user(
                request, _("%(count)d user(s) forgotten.") % {"count": done}, messages.SUCCESS
            )
        if failed:
            modeladmin.message_user(
                request,
                _("%(count)d user(s) left unchanged because WIMS could not delete their accounts; try again.")
                % {"count": failed},
                messages.ERROR,
            )
        return None
    context = RequestContext(
        request,
        {
            **modeladmin.admin_site.each_context(request),
            "users": list(queryset.select_related("platform")),
            "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "text": {
                "heading": _("Forget these LMS users?"),
                "anonymise": _(
                    "Anonymise: names, email, identifiers and IP addresses go; scores stay under a pseudonym."
                ),
                "delete": _("Delete: everything the bridge holds about them, scores included."),
                "in_wims": _("Also delete their accounts in each linked WIMS class."),
                "confirm": _("Yes, forget them"),
                "cancel": _("Cancel"),
            },
            "title": _("Forget LMS users"),
        },
    )
    return HttpResponse(CONFIRM.render(context))
