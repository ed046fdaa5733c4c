"""A loopback LMS outcome service (LTI 1.1 Basic Outcomes), as Moodle's mod/lti/service.php behaves:
it checks the OAuth1 signature with oauthlib and the `oauth_body_hash` against the body, then answers
the POX envelope (`success`, or what the test scripted: HTTP 500s, `failure`)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from oauthlib.oauth1 import RequestValidator
from oauthlib.oauth1.rfc5849 import utils
from oauthlib.oauth1.rfc5849.endpoints import SignatureOnlyEndpoint

RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version>
<imsx_messageIdentifier>reply-1</imsx_messageIdentifier><imsx_statusInfo>
<imsx_codeMajor>{code}</imsx_codeMajor><imsx_severity>status</imsx_severity>
<imsx_description>{description}</imsx_description>
<imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
</imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader>
<imsx_POXBody><replaceResultResponse/></imsx_POXBody></imsx_POXEnvelopeResponse>"""


class _Validator(RequestValidator):
    def __init__(self, key: str, secret: str) -> None:
        super().__init__()
        self.key, self.secret = key, secret
        self.nonces: set[str] = set()

    enforce_ssl = False  # type: ignore[assignment]
    dummy_client = "dummy"  # type: ignore[assignment]

    def check_client_key(self, client_key: str) -> bool:
        return bool(client_key)

    def check_nonce(self, nonce: str) -> bool:
        return bool(nonce)

    def validate_timestamp_and_nonce(
        self, client_key: str, timestamp: str, nonce: str, request: Any, **kw: Any
    ) -> bool:  # type: ignore[override]
        if nonce in self.nonces:
            return False
        self.nonces.add(nonce)
        return True

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return client_key == self.key

    def get_client_secret(self, client_key: str, request: Any) -> str:
        return self.secret if client_key == self.key else "dummy"


@dataclass
class Received:
    sourcedid: str
    score: float
    signature_ok: bool
    body_hash_ok: bool
    status: int


@dataclass
class OutcomeService:
    key: str
    secret: str
    script: list[Any] = field(default_factory=list)  # per request: 500 / "failure" / "success"
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/mod/lti/service.php"

    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.status == 200 and r.signature_ok and r.body_hash_ok]

    def start(self) -> OutcomeService:
        service = self
        endpoint = SignatureOnlyEndpoint(_Validator(self.key, self.secret))

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                headers = {k: v for k, v in self.headers.items()}
                valid, _request = endpoint.validate_request(service.url, "POST", body=body, headers=headers)
                params = {
                    k: utils.unescape(v)
                    for k, v in utils.parse_authorization_header(headers.get("Authorization", ""))
                }
                expected = base64.b64encode(hashlib.sha1(body.encode("utf-8")).digest()).decode()  # noqa: S324
                hash_ok = params.get("oauth_body_hash") == expected
                sourcedid = re.search(r"<sourcedId>(.*?)</sourcedId>", body)
                score = re.search(r"<textString>(.*?)</textString>", body)
                step = service.script.pop(0) if service.script else "success"
                if not (valid and hash_ok):
                    status, code = 401, "failure"
                elif step == 500:
                    status, code = 500, ""
                else:
                    status, code = 200, str(step)
                service.received.append(
                    Received(
                        sourcedid.group(1) if sourcedid else "",
                        float(score.group(1)) if score else -1.0,
                        valid,
                        hash_ok,
                        status,
                    )
                )
                reply = (
                    b"Internal error"
                    if status == 500
                    else RESPONSE.format(
                        code=code, description="Grade saved" if code == "success" else "Invalid sourcedid"
                    ).encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
