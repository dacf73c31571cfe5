"""The optional writer against a real OpenAI-compatible server on loopback, and its fallbacks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from salesmind.core.settings import Settings
from salesmind.engagement.drafts import Slots, TemplateLibrary
from salesmind.engagement.writer import DraftWriter, WriterConfig, parse_reply


class _ChatHandler(BaseHTTPRequestHandler):
    """POST /v1/chat/completions: answers as the server's ``mode`` says, and records each request."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: Any = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if server.mode == "slow":
            time.sleep(1.0)
        if self.path != "/v1/chat/completions" or server.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        user = body["messages"][-1]["content"]
        content = ("Subject: Better subject\n\nRewritten: " + user.split("\n\n", 1)[1]) if server.mode == "ok" else ""
        payload = {"choices": [{"message": {"role": "assistant", "content": content}}]}
        if server.mode == "malformed":
            payload = {"unexpected": True}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def chat_server() -> Iterator[Any]:
    """A real HTTP server on 127.0.0.1 with a free port, stopped after the test."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    server.mode, server.requests = "ok", []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _draft() -> Any:
    return TemplateLibrary().render("intro", Slots({"first_name": "Ann", "company": "Acme"}))


def _config(server: Any, timeout: float = 5.0) -> WriterConfig:
    return WriterConfig(f"http://127.0.0.1:{server.server_address[1]}/v1", "local-model", "sk-test", timeout)


def test_rewrites_through_the_endpoint(chat_server: Any) -> None:
    draft = DraftWriter(_config(chat_server)).rewrite(_draft())
    assert draft.written_by == "writer:local-model" and draft.subject == "Better subject"
    assert draft.text.startswith("Rewritten: Hi Ann,") and "<p>Rewritten: Hi Ann,</p>" in draft.html
    assert draft.personalisation_elements == ["company", "first_name"]
    request = chat_server.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "local-model" and "Subject: Ann, a question about Acme" in \
        request["body"]["messages"][-1]["content"]


@pytest.mark.parametrize("mode, note", [("error", "writer failed (HTTPStatusError"),
                                        ("malformed", "writer failed (KeyError"),
                                        ("empty", "writer failed (ValueError: the answer has no message text")])
def test_falls_back_to_the_template_when_the_endpoint_fails(chat_server: Any, mode: str, note: str) -> None:
    chat_server.mode = mode
    template = _draft()
    draft = DraftWriter(_config(chat_server)).rewrite(template)
    assert draft.written_by == "template" and draft.text == template.text and draft.subject == template.subject
    assert draft.writer_note.startswith(note) and draft.writer_note.endswith("template draft used")


def test_falls_back_when_the_endpoint_times_out(chat_server: Any) -> None:
    chat_server.mode = "slow"
    started = time.perf_counter()
    draft = DraftWriter(_config(chat_server, timeout=0.2)).rewrite(_draft())
    assert time.perf_counter() - started < 0.9
    assert draft.written_by == "template" and draft.writer_note == "writer timed out after 0.2 s: template draft used"


def test_falls_back_when_nothing_listens_or_nothing_is_configured(chat_server: Any) -> None:
    port = chat_server.server_address[1]
    chat_server.shutdown()
    chat_server.server_close()
    refused = DraftWriter(WriterConfig(f"http://127.0.0.1:{port}/v1", "m", timeout=1.0)).rewrite(_draft())
    assert refused.written_by == "template" and refused.writer_note.startswith("writer failed (ConnectError")
    unconfigured = DraftWriter(None).rewrite(_draft())
    assert unconfigured.written_by == "template" and "no writer configured" in unconfigured.writer_note


def test_config_comes_from_the_settings(tmp_path: Any) -> None:
    base = {"SALESMIND_HOME": str(tmp_path), "SALESMIND_SECRET_KEY": "s"}
    assert WriterConfig.from_settings(Settings.from_env(base)) is None
    settings = Settings.from_env(base | {"SALESMIND_WRITER_BASE_URL": "http://127.0.0.1:1/v1/",
                                         "SALESMIND_WRITER_MODEL": "m", "SALESMIND_WRITER_API_KEY": "k"})
    assert WriterConfig.from_settings(settings) == WriterConfig("http://127.0.0.1:1/v1", "m", "k")


def test_parse_reply_keeps_the_subject_when_the_model_gives_none() -> None:
    assert parse_reply("Subject: New\n\nBody", "Old") == ("New", "Body")
    assert parse_reply("Just a body", "Old") == ("Old", "Just a body")
