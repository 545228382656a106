from __future__ import annotations

from django.utils.cache import patch_vary_headers


class VaryOnHtmxMiddleware:
    """Pages answer htmx's requests for their own URL with a fragment (a filter, a refresh), so
    every answer varies on HX-Request: Back must never get a cached fragment as the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
