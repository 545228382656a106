"""The WSGI application: ZEGO's wire protocol on `/`, plus the emulator's own `/_emulator/` control API."""

from __future__ import annotations

import json
import logging
import socket
import time

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from . import protocol
from .actions import HANDLERS
from .config import EmulatorConfig
from .engine import ConflictError, Engine
from .faults import FaultError
from .protocol import ApiError

log = logging.getLogger("zego_emulator")

COMMON_PARAMS = {
    "Action",
    "AppId",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SignatureVersion",
    "IsTest",
}
DEFAULT_SLOW_DELAY = 2.0
DEFAULT_START_TIMEOUT_DELAY = 30.0


def json_response(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def zego_response(code: int, message: str, data: dict | None = None) -> Response:
    return Response(
        protocol.envelope(code, message, data),
        status=200,
        content_type="application/json; charset=utf-8",
    )


def error_response(error: ApiError) -> Response:
    return zego_response(error.code, error.message)


class EmulatorApp:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.nonces = protocol.NonceCache()
        self.limiter = protocol.RateLimiter()
        self.url_map = Map(
            [
                Rule("/", endpoint="zego", methods=["GET", "POST"]),
                Rule("/_emulator/health", endpoint="health", methods=["GET"]),
                Rule("/_emulator/rooms", endpoint="rooms", methods=["GET"]),
                Rule("/_emulator/rooms/<room_id>/streams", endpoint="publish", methods=["POST"]),
                Rule(
                    "/_emulator/rooms/<room_id>/streams/<stream_id>",
                    endpoint="unpublish",
                    methods=["DELETE"],
                ),
                Rule("/_emulator/tasks", endpoint="tasks", methods=["GET"]),
                Rule("/_emulator/reset", endpoint="reset", methods=["POST"]),
                Rule("/_emulator/faults", endpoint="faults", methods=["GET", "POST", "DELETE"]),
                Rule("/_emulator/callbacks", endpoint="callbacks", methods=["GET"]),
                Rule("/_emulator/clock", endpoint="clock", methods=["POST"]),
                Rule(
                    "/_emulator/backup/<int:app_id>/<task_id>/<file_name>",
                    endpoint="backup",
                    methods=["GET"],
                ),
            ],
            strict_slashes=False,
        )

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO"):
            environ["PATH_INFO"] = "/"
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as error:
            response = error
        return response(environ, start_response)

    # -- ZEGO protocol ------------------------------------------------------------------------

    def on_zego(self, request: Request) -> Response:
        action = request.args.get("Action", "")
        gateway_fault = self.engine.faults.take("http_5xx", action)
        if gateway_fault is not None and not gateway_fault.params.get("after"):
            return self.gateway_error(gateway_fault)
        slow = self.engine.faults.take("slow", action)
        if slow is not None:
            time.sleep(float(slow.params.get("delay", DEFAULT_SLOW_DELAY)))
        response = self.handle_action(request)
        if gateway_fault is not None:
            return self.gateway_error(gateway_fault)
        return response

    def handle_action(self, request: Request) -> Response:
        try:
            signed = protocol.check_common_params(request.args, self.secrets())
            if not self.nonces.claim(signed.app_id, signed.nonce):
                raise ApiError(protocol.SIGNATURE_WRONG, "SignatureNonce already used")
            params = self.business_params(request, signed.action)
            self.check_rate_limits(signed, params)
            timeout_fault = (
                self.engine.faults.take("start_timeout", signed.action)
                if signed.action == "StartRecord"
                else None
            )
            data = HANDLERS[signed.action](self.engine, signed.app_id, params)
        except ApiError as error:
            return error_response(error)
        except Exception:
            log.exception("action failed")
            return error_response(ApiError(protocol.SYSTEM_ERROR))
        if timeout_fault is not None:
            self.time_out(request, timeout_fault)
        return zego_response(protocol.SUCCESS, protocol.success_message(signed.action), data)

    def secrets(self) -> dict[int, str]:
        return {app_id: app.server_secret for app_id, app in self.engine.apps.items()}

    @staticmethod
    def business_params(request: Request, action: str) -> dict:
        raw = request.get_data(cache=True)
        body: dict = {}
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise ApiError(protocol.BODY_UNREADABLE, "body is not valid JSON") from None
            if not isinstance(body, dict):
                raise ApiError(protocol.BODY_UNREADABLE, "body must be a JSON object")
        query = {
            key: values if key.endswith("[]") or len(values) > 1 else values[0]
            for key, values in request.args.lists()
            if key not in COMMON_PARAMS
        }
        if action in protocol.RTC_ACTIONS:
            return {**query, **body}
        return body if raw.strip() else query

    def check_rate_limits(self, signed: protocol.SignedRequest, params: dict) -> None:
        action = signed.action
        if self.engine.faults.take("rate_limit", action) is not None:
            raise ApiError(protocol.RATE_LIMITED)
        if not self.limiter.allow((signed.app_id, action), protocol.ACTION_QPS[action]):
            raise ApiError(protocol.RATE_LIMITED)
        room_id = params.get("RoomId")
        if (
            self.engine.config.room_rate_limits
            and action in protocol.RTC_ROOM_LIMITS
            and isinstance(room_id, str)
        ):
            calls, window = protocol.RTC_ROOM_LIMITS[action]
            if not self.limiter.allow((signed.app_id, action, room_id), calls, window):
                raise ApiError(protocol.RATE_LIMITED, f"room {room_id}")

    @staticmethod
    def gateway_error(fault) -> Response:
        status = int(fault.params.get("status", 503))
        return Response(f"{status} emulated gateway error\n", status=status, mimetype="text/plain")

    @staticmethod
    def time_out(request: Request, fault) -> None:
        """The task exists now; the client must not hear about it in time."""
        if fault.params.get("mode") == "drop":
            connection = request.environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("emulated dropped connection")
        time.sleep(float(fault.params.get("delay", DEFAULT_START_TIMEOUT_DELAY)))

    # -- control API --------------------------------------------------------------------------

    def on_health(self, request: Request) -> Response:
        config = self.engine.config
        return json_response(
            {"status": "ok", "apps": list(self.engine.apps), "time_scale": config.time_scale}
        )

    def app_id_param(self, request: Request, body: dict | None = None) -> int | None:
        raw = (body or {}).get("app_id") or request.args.get("app_id")
        if raw in (None, ""):
            return None
        try:
            app_id = int(raw)
        except (TypeError, ValueError):
            raise NotFound(f"unknown app_id {raw!r}") from None
        if app_id not in self.engine.apps:
            raise NotFound(f"unknown app_id {raw!r}")
        return app_id

    def on_rooms(self, request: Request) -> Response:
        return json_response({"rooms": self.engine.rooms_json(self.app_id_param(request))})

    def on_publish(self, request: Request, room_id: str) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_response({"error": "body must be a JSON object"}, 400)
        app_id = self.app_id_param(request, body) or self.engine.default_app_id()
        user_id, stream_id = body.get("user_id"), body.get("stream_id")
        if not (isinstance(user_id, str) and user_id and isinstance(stream_id, str) and stream_id):
            return json_response({"error": "user_id and stream_id are required strings"}, 400)
        audio, video = body.get("audio", True), body.get("video", True)
        if not isinstance(audio, bool) or not isinstance(video, bool) or not (audio or video):
            return json_response({"error": "audio and video are booleans, at least one true"}, 400)
        user_name = body.get("user_name") or user_id
        try:
            stream = self.engine.publish(
                app_id, room_id, stream_id, user_id, str(user_name), audio=audio, video=video
            )
        except ConflictError as error:
            return json_response({"error": str(error)}, 409)
        return json_response(
            {"app_id": app_id, "room_id": room_id, "stream": stream.to_json()}, 201
        )

    def on_unpublish(self, request: Request, room_id: str, stream_id: str) -> Response:
        app_id = self.app_id_param(request) or self.engine.default_app_id()
        if not self.engine.unpublish(app_id, room_id, stream_id):
            return json_response({"error": "no such stream in this room"}, 404)
        return Response(status=204)

    def on_tasks(self, request: Request) -> Response:
        return json_response({"tasks": self.engine.tasks_json(self.app_id_param(request))})

    def on_reset(self, request: Request) -> Response:
        self.engine.reset()
        self.nonces.clear()
        self.limiter.clear()
        return json_response({"ok": True})

    def on_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.engine.faults.clear()
            return json_response({"faults": []})
        if request.method == "POST":
            try:
                fault = self.engine.faults.add(request.get_json(silent=True))
            except FaultError as error:
                return json_response({"error": str(error)}, 400)
            return json_response({"fault": fault.to_json(time.monotonic())}, 201)
        return json_response({"faults": self.engine.faults.active()})

    def on_callbacks(self, request: Request) -> Response:
        return json_response({"callbacks": self.engine.callbacks.deliveries()})

    def on_clock(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        advance = body.get("advance", 0)
        if not isinstance(advance, int | float) or isinstance(advance, bool) or advance < 0:
            return json_response(
                {"error": "advance must be a non-negative number of timer seconds"}, 400
            )
        self.engine.clock.advance(float(advance))
        self.engine.tick()
        return json_response({"timer_seconds": self.engine.clock.timer()})

    def on_backup(self, request: Request, app_id: int, task_id: str, file_name: str) -> Response:
        folder = (self.engine.config.data_dir / "backup" / str(app_id) / task_id).resolve()
        path = (folder / file_name).resolve()
        if path.parent != folder or not path.is_file():
            raise NotFound()
        return send_file(path, request.environ)


def create_server(config: EmulatorConfig, backend=None):
    """A threaded Werkzeug server (not yet serving) and its engine; port 0 picks a free port."""
    engine = Engine(config, backend=backend)
    server = make_server(config.host, config.port, EmulatorApp(engine), threaded=True)
    config.port = server.server_port
    engine.start()
    return server, engine
