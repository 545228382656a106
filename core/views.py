from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import has_capability
from core.htmx import template_for


@require_GET
@login_required
def home(request):
    """Support's dashboard for anyone who may see recordings; a signpost for everyone else."""
    context = {}
    if has_capability(request.user, "view_recordings"):
        from monitoring.dashboard import dashboard

        context = {"dashboard": True, **dashboard(request.user)}
    return render(request, template_for(request, "core/home.html", "dashboard"), context)


@require_GET
def healthz(request):
    """Liveness for load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
