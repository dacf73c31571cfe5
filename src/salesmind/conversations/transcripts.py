"""Parse transcript exports (WebVTT, SRT, JSON) into segments: speaker, start, end, text.

Speakers come from WebVTT voice tags (``<v Ana Ruiz>``) or a ``Name:`` prefix on the cue text (how
Zoom, Teams and most SRT exports write them). JSON exports are a list of segments, or an object
with a ``segments``/``utterances``/``transcript`` list, each with a speaker, start, end and text under
the usual key names. Malformed input raises :class:`UserInputError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesmind.core.errors import UserInputError

#: Speaker given to cues that name nobody.
UNKNOWN_SPEAKER = "Unknown"
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})$")
_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
_PREFIX = re.compile(r"^([A-Z][^:\n]{0,60}?):\s+(.+)$", re.S)
_TAG = re.compile(r"</?[^>]+>")
_SPEAKER_KEYS = ("speaker", "speaker_label", "speaker_name", "name", "participant")
_START_KEYS = ("start", "start_seconds", "start_time", "startTime", "from")
_END_KEYS = ("end", "end_seconds", "end_time", "endTime", "to")
_TEXT_KEYS = ("text", "transcript", "content", "words")
_LIST_KEYS = ("segments", "utterances", "transcript", "results", "monologues")


@dataclass(frozen=True)
class Segment:
    """What one speaker said from ``start`` to ``end`` seconds into the call."""

    speaker: str
    start: float
    end: float
    text: str


def parse_timestamp(text: str, where: str) -> float:
    """Seconds from ``HH:MM:SS.mmm`` / ``MM:SS.mmm`` (``,`` as in SRT also accepted)."""
    m = _TIME.match(text.strip())
    if not m:
        raise UserInputError(f"{where}: {text!r} is not a timestamp like 00:01:02.500")
    hours, minutes, seconds, frac = m.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise UserInputError(f"{where}: {text!r} has minutes or seconds above 59")
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(frac.ljust(3, "0")) / 1000


def _speaker_and_text(raw: str) -> tuple[str, str]:
    raw = raw.strip()
    voice = _VOICE.match(raw)
    if voice:
        return voice.group(1).strip(), _TAG.sub("", voice.group(2)).strip()
    raw = _TAG.sub("", raw).strip()
    prefix = _PREFIX.match(raw)
    if prefix:
        return prefix.group(1).strip(), prefix.group(2).strip()
    return UNKNOWN_SPEAKER, raw


def _cues(lines: list[str], name: str, first_line: int) -> list[Segment]:
    """Cues of WebVTT/SRT: blocks separated by blank lines, each with one ``-->`` timing line."""
    segments: list[Segment] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines + [""], start=first_line):
        if line.strip():
            block.append((number, line))
            continue
        if not block:
            continue
        timing = [(n, text) for n, text in block if "-->" in text]
        if not timing:
            head = block[0][1].strip()
            if not (head.startswith("NOTE") or head.startswith("STYLE") or head.startswith("REGION")):
                raise UserInputError(f"{name}:{block[0][0]}: cue without a 'start --> end' timing line")
            block = []
            continue
        n, text = timing[0]
        arrow = _ARROW.match(text)
        if not arrow:
            raise UserInputError(f"{name}:{n}: timing line must read 'start --> end', got {text.strip()!r}")
        start, end = parse_timestamp(arrow.group(1), f"{name}:{n}"), parse_timestamp(arrow.group(2), f"{name}:{n}")
        if end < start:
            raise UserInputError(f"{name}:{n}: cue ends ({arrow.group(2)}) before it starts ({arrow.group(1)})")
        body = "\n".join(t for m, t in block if m > n).strip()
        if body:
            speaker, said = _speaker_and_text(body.replace("\n", " "))
            segments.append(Segment(speaker, start, end, said))
        block = []
    return segments


def parse_vtt(text: str, name: str = "<vtt>") -> list[Segment]:
    """Segments of a WebVTT file (must start with ``WEBVTT``)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise UserInputError(f"{name}:1: a WebVTT file must start with 'WEBVTT'")
    header_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    return _cues(lines[header_end:], name, header_end + 1)


def parse_srt(text: str, name: str = "<srt>") -> list[Segment]:
    """Segments of a SubRip (SRT) file; cue numbers are optional."""
    return _cues(text.lstrip("\ufeff").splitlines(), name, 1)


def _pick(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((item[k] for k in keys if k in item and item[k] is not None), None)


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or value is None:
        raise UserInputError(f"{where}: a start and end time are required")
    if isinstance(value, (int, float)):
        if value < 0 or value != value or value == float("inf"):
            raise UserInputError(f"{where}: time {value} must be a finite number of seconds >= 0")
        return float(value)
    if isinstance(value, str):
        try:
            return _seconds(float(value), where)
        except ValueError:
            return parse_timestamp(value, where)
    raise UserInputError(f"{where}: time {value!r} is neither seconds nor a timestamp")


def _json_line(text: str, index: int) -> int:
    """The line of the ``index``-th segment object (best effort, for error messages)."""
    pos = -1
    for _ in range(index + 1):
        pos = text.find("{", pos + 1)
        if pos < 0:
            return 1
    return text.count("\n", 0, pos) + 1 + (0 if text.lstrip().startswith("[") else 1)


def parse_json(text: str, name: str = "<json>") -> list[Segment]:
    """Segments of a JSON export: a list of segment objects, or an object holding one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{name}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if isinstance(data, dict):
        data = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
    if not isinstance(data, list):
        raise UserInputError(f"{name}:1: expected a list of segments or an object with a 'segments' list")
    segments = []
    for i, item in enumerate(data):
        where = f"{name}:{_json_line(text, i)} (segment {i + 1})"
        if not isinstance(item, dict):
            raise UserInputError(f"{where}: each segment must be an object")
        said = _pick(item, _TEXT_KEYS)
        if isinstance(said, list):
            said = " ".join(str(w.get("text", w.get("word", ""))) if isinstance(w, dict) else str(w) for w in said)
        if not isinstance(said, str):
            raise UserInputError(f"{where}: no text (one of {', '.join(_TEXT_KEYS)})")
        start, end = _seconds(_pick(item, _START_KEYS), where), _seconds(_pick(item, _END_KEYS), where)
        if end < start:
            raise UserInputError(f"{where}: ends ({end}) before it starts ({start})")
        speaker = _pick(item, _SPEAKER_KEYS)
        if said.strip():
            segments.append(Segment(str(speaker).strip() if speaker is not None else UNKNOWN_SPEAKER,
                                    start, end, said.strip()))
    return segments


PARSERS = {".vtt": parse_vtt, ".srt": parse_srt, ".json": parse_json}


def parse_transcript(text: str, name: str) -> list[Segment]:
    """Segments of an export whose format is told by ``name``'s suffix, ordered by start time."""
    parser = PARSERS.get(Path(name).suffix.lower())
    if parser is None:
        raise UserInputError(f"{name}: unknown transcript format; use .vtt, .srt or .json")
    segments = sorted(parser(text, name), key=lambda s: (s.start, s.end))
    if not segments:
        raise UserInputError(f"{name}: the transcript has no spoken text")
    return segments


def read_transcript(path: str | Path) -> list[Segment]:
    """Segments of a transcript file (.vtt, .srt or .json)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserInputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UserInputError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_transcript(text, str(path))
