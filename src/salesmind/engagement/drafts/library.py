"""The draft template library: the shipped 8-touch cadence, overridden by the user's own folder, rendered safely.

Templates are Jinja2 files (``NN_name.j2``) with a ``subject`` and a ``body`` block; the leading
``{# ... #}`` comment describes the touch. They run in a :class:`SandboxedEnvironment` (no access to
Python internals) with :class:`StrictUndefined`, and every Jinja error becomes a
:class:`UserInputError` naming the template file and line.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    meta,
)
from jinja2.exceptions import SecurityError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from salesmind.core.errors import UserInputError
from salesmind.engagement.drafts.slots import Slots

SUFFIX = ".j2"
_NAME = re.compile(r"^(?:\d+_)?([a-z0-9_]+)\.j2$")
_DESCRIPTION = re.compile(r"^\{#-?\s*(.*?)\s*-?#\}", re.DOTALL)


@dataclass(frozen=True)
class TemplateInfo:
    """One available template: its short name, file, description and whether the user's folder supplies it."""

    name: str
    file: str
    description: str
    custom: bool


@dataclass
class Draft:
    """A rendered message: subject, plain text and HTML, with the personalisation it used."""

    template: str
    subject: str
    text: str
    html: str
    personalisation_elements: list[str]
    missing_slots: list[str]
    written_by: str = "template"
    writer_note: str | None = None
    recipient: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def personalisation_count(self) -> int:
        """How many personalised slots the message uses."""
        return len(self.personalisation_elements)


def text_to_html(text: str) -> str:
    """Paragraphs of escaped text (blank lines split paragraphs, single newlines become <br>)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n".join(f"<p>{Markup('<br>').join(escape(line) for line in p.splitlines())}</p>" for p in paragraphs)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


class TemplateLibrary:
    """The shipped templates, with any same-named file in ``user_dir`` taking precedence."""

    def __init__(self, user_dir: Path | str | None = None) -> None:
        self.user_dir = Path(user_dir).expanduser() if user_dir else None
        if self.user_dir is not None and not self.user_dir.is_dir():
            raise UserInputError(f"the draft templates folder {self.user_dir} does not exist "
                                 "(SALESMIND_DRAFT_TEMPLATES)")
        loaders: list[Any] = [FileSystemLoader(str(self.user_dir))] if self.user_dir else []
        loaders.append(PackageLoader("salesmind.engagement.drafts", "templates"))
        self.env = SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                                        autoescape=False, keep_trailing_newline=False)

    def _files(self) -> dict[str, tuple[str, bool]]:
        """Short name -> (file name, from the user's folder), user files overriding shipped ones."""
        out: dict[str, tuple[str, bool]] = {}
        shipped = Path(__file__).parent / "templates"
        for folder, custom in ((shipped, False), (self.user_dir, True)):
            if folder is None:
                continue
            for path in sorted(folder.glob(f"*{SUFFIX}")):
                match = _NAME.match(path.name)
                if match:  # a user file replaces the shipped one in its place in the cadence
                    out[match.group(1)] = (path.name, custom)
        return out

    def templates(self) -> list[TemplateInfo]:
        """Every available template in cadence order."""
        infos = []
        for name, (file, custom) in self._files().items():
            source = self._source(file)
            found = _DESCRIPTION.match(source.lstrip())
            infos.append(TemplateInfo(name, file, found.group(1) if found else "", custom))
        return infos

    def _source(self, file: str) -> str:
        assert self.env.loader is not None
        return self.env.loader.get_source(self.env, file)[0]

    def file_for(self, name: str) -> str:
        """The file of the template ``name``, or :class:`UserInputError` listing the available names."""
        files = self._files()
        if name not in files:
            raise UserInputError(f"unknown template {name!r}; available: {', '.join(files) or 'none'}")
        return files[name][0]

    def render(self, name: str, slots: Slots) -> Draft:
        """Render the template ``name`` with the slots; missing slots fall back to safe wording."""
        file = self.file_for(name)
        try:
            template = self.env.get_template(file)
            used = meta.find_undeclared_variables(self.env.parse(self._source(file)))
            for block in ("subject", "body"):
                if block not in template.blocks:
                    raise UserInputError(f"template {file} has no {{% block {block} %}}: add one")
            subject, text = _render_blocks(self.env, template, slots)
        except TemplateSyntaxError as exc:
            raise UserInputError(f"template {exc.filename or file} line {exc.lineno}: {exc.message}") from None
        except TemplateNotFound as exc:
            raise UserInputError(f"template {exc.name} not found") from None
        except (SecurityError, TemplateError) as exc:
            raise UserInputError(f"template {file} line {_template_line(exc, file)}: {exc}") from None
        known = used & set(slots.names())
        return Draft(template=name, subject=subject, text=text, html=text_to_html(text),
                     personalisation_elements=sorted(n for n in known if slots.has(n)),
                     missing_slots=sorted(n for n in known if not slots.has(n)), recipient=slots.recipient)


def _render_blocks(env: SandboxedEnvironment, template: Template, slots: Slots) -> tuple[str, str]:
    """The subject (on one line) and the body of a template."""
    try:
        context = template.new_context(slots.values())
        subject = " ".join("".join(template.blocks["subject"](context)).split())
        return subject, _tidy("".join(template.blocks["body"](context)))
    except Exception:
        env.handle_exception()  # re-raises with the traceback rewritten to template lines
        raise


def _template_line(exc: BaseException, file: str) -> int | str:
    """The template line a rendering error happened on (Jinja rewrites tracebacks to template lines)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(file)]
    return frames[-1].lineno if frames and frames[-1].lineno is not None else "?"
