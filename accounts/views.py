from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import capability_required
from accounts.audit import audit
from accounts.forms import AuditFilterForm
from accounts.models import AuditEntry
from core.htmx import template_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit(action="login", request=self.request)
        return response


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
@capability_required("view_audit")
def audit_log(request):
    form = AuditFilterForm(request.GET)
    entries = AuditEntry.objects.only(*AUDIT_COLUMNS)
    page = form.page(form.filter(entries)) if form.is_valid() else None
    return render(
        request,
        template_for(request, "accounts/audit_log.html", "results"),
        {"form": form, "page": page},
    )


AUDIT_COLUMNS = (
    "created_at",
    "actor_label",
    "action",
    "object_type",
    "object_repr",
    "outcome",
    "detail",
    "ip_address",
)
