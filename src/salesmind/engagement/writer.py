"""An optional writer that asks any OpenAI-compatible chat-completions endpoint to rewrite a template draft.

Configured with ``SALESMIND_WRITER_BASE_URL`` (for example ``http://127.0.0.1:11434/v1`` for a local
server), ``SALESMIND_WRITER_API_KEY`` and ``SALESMIND_WRITER_MODEL``. It sends one request to
``{base_url}/chat/completions`` with a timeout. When it is not configured, or the call fails in any
way (refused, timed out, an HTTP error, an answer without a message), the template draft is kept and
the draft says so in ``writer_note``: drafting always works offline.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import httpx

from salesmind.core.settings import Settings
from salesmind.engagement.drafts.library import Draft, text_to_html

DEFAULT_TIMEOUT = 20.0
SYSTEM_PROMPT = (
    "You rewrite sales emails so they read naturally and stay short. Keep every fact, name, link and the "
    "signature exactly; do not invent facts, numbers or customers. Answer with the subject on the first line "
    "as 'Subject: ...', a blank line, then the body as plain text."
)


@dataclass(frozen=True)
class WriterConfig:
    """Where the writer's endpoint is and which model to ask."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> WriterConfig | None:
        """The configured writer, or None when base URL or model is missing."""
        if not settings.writer_base_url or not settings.writer_model:
            return None
        return cls(settings.writer_base_url, settings.writer_model, settings.writer_api_key)


def parse_reply(content: str, fallback_subject: str) -> tuple[str, str]:
    """Split the model's answer into subject and body (the old subject when it gave none)."""
    lines = content.strip().splitlines()
    if lines and lines[0].lower().startswith("subject:"):
        return lines[0].split(":", 1)[1].strip() or fallback_subject, "\n".join(lines[1:]).strip()
    return fallback_subject, content.strip()


class DraftWriter:
    """Rewrites drafts through an OpenAI-compatible endpoint, falling back to the template draft."""

    def __init__(self, config: WriterConfig | None, client: httpx.Client | None = None) -> None:
        self.config = config
        self.client = client

    def _ask(self, draft: Draft) -> str:
        assert self.config is not None
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        body = {"model": self.config.model, "temperature": 0.3, "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Subject: {draft.subject}\n\n{draft.text}"}]}
        url = f"{self.config.base_url.rstrip('/')}/chat/completions"
        client = self.client or httpx.Client()
        try:
            response = client.post(url, json=body, headers=headers, timeout=self.config.timeout)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        finally:
            if self.client is None:
                client.close()
        if not isinstance(content, str) or not content.strip():
            raise ValueError("the answer has no message text")
        return content

    def rewrite(self, draft: Draft) -> Draft:
        """The rewritten draft, or the template draft with a note saying why it was kept."""
        if self.config is None:
            return dataclasses.replace(draft, writer_note="no writer configured (SALESMIND_WRITER_BASE_URL and "
                                                          "SALESMIND_WRITER_MODEL): template draft used")
        try:
            content = self._ask(draft)
        except httpx.TimeoutException:
            note = f"writer timed out after {self.config.timeout:g} s: template draft used"
            return dataclasses.replace(draft, writer_note=note)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            note = f"writer failed ({type(exc).__name__}: {str(exc)[:200]}): template draft used"
            return dataclasses.replace(draft, writer_note=note)
        subject, text = parse_reply(content, draft.subject)
        return dataclasses.replace(draft, subject=subject, text=text, html=text_to_html(text),
                                   written_by=f"writer:{self.config.model}",
                                   writer_note=f"rewritten by {self.config.model} from the template {draft.template}")
