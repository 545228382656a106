"""Writes the ZEGO calls a request made (monitoring.callcounts) before its response leaves."""

from __future__ import annotations

from monitoring.callcounts import flush_calls


class FlushZegoCallCountsMiddleware:
    """Inside the request rather than on `request_finished`, which runs after the response is
    sent — concurrently with the browser's next request, on a connection a test's live server
    shares between its threads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        flush_calls()
        return response
