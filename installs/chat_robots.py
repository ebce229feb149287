"""
Posting to a chat group robot (WeCom 群机器人, DingTalk 自定义机器人) over HTTP.

Both answer JSON with an ``errcode``; anything but 0 is a failure even when the
HTTP status is 200 (a wrong key, a message too long, the robot's rate limit).
The webhook URL carries the robot's key: it never appears in an error, a log
line or the delivery log; errors name the host only, and ``redact`` removes
any ``key=`` / ``access_token=`` / ``sign=`` that a library put into a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

SECRET_PARAMETERS = re.compile(r"(key|access_token|sign|secret)=[^&\s'\"]+", re.IGNORECASE)


class DeliveryError(Exception):
    """A post that did not deliver; the message is safe to show (no key in it)."""


def redact(text: str) -> str:
    return SECRET_PARAMETERS.sub(r"\1=***", text)


def post_json(url: str, payload: dict, *, timeout: float) -> dict:
    """POST the payload as JSON; the answer's JSON when errcode is 0, else DeliveryError."""
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code} from {host}") from None
    except TimeoutError:
        raise DeliveryError(f"no answer from {host} within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise DeliveryError(f"no answer from {host} within {timeout:g} s") from None
        raise DeliveryError(redact(f"cannot reach {host}: {reason}")) from None
    except OSError as error:
        raise DeliveryError(redact(f"cannot reach {host}: {error}")) from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise DeliveryError(f"{host} answered something that is not JSON") from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = str(answer.get("errmsg", ""))[:200] if isinstance(answer, dict) else ""
        raise DeliveryError(redact(f"errcode {errcode} from {host}: {errmsg}".rstrip(": ")))
    return answer


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """
    DingTalk's 加签: timestamp (ms) and sign = base64(HMAC-SHA256("{timestamp}\\n{secret}")),
    URL-encoded, added to the webhook URL. Without a secret the URL is used as it is.
    """
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"
