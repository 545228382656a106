"""The console's URLs, plus the bare baselines the benchmarks compare against."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from bench.admin_setup import register_admin

register_admin()

# The same base layout as every console page (navigation, user menu, CSP nonce), no content.
BARE_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>Bare</h1>{% endblock %}'
)


def bare_view(request):
    return HttpResponse("ok")


def bare_page(request):
    return HttpResponse(BARE_PAGE.render({}, request))


@csrf_exempt
def durable_bare_view(request):
    """The least a receiver that loses nothing must do: keep the body, in one INSERT."""
    from recordings.models import CallbackReceipt

    CallbackReceipt.objects.create(raw_body=request.body.decode(), verdict="applied")
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare_view),
    path("bench/durable/", durable_bare_view),
    path("bench/bare-page/", bare_page),
    path("", include("config.urls")),
]
