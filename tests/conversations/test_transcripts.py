"""Transcript parsers on small WebVTT, SRT and JSON files, including malformed ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesmind.conversations.transcripts import Segment, parse_timestamp, read_transcript
from salesmind.core.errors import UserInputError

VTT = """WEBVTT
Kind: captions

NOTE exported by a meeting tool

1
00:00:00.000 --> 00:00:04.500
<v Ana Ruiz>Hi Bob, thanks for joining.</v>

2
00:00:05.000 --> 00:00:09.250
<v Bob Stone>Happy to be here.
We have ten minutes.

00:01:10.000 --> 00:01:12.000
Ana Ruiz: What is your budget?
"""

SRT = """1
00:00:00,000 --> 00:00:03,000
Ana Ruiz: Hello there.

2
00:00:03,500 --> 00:00:06,000
Bob Stone: Hi.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_vtt_voice_tags_prefixes_and_multiline_cues(tmp_path: Path) -> None:
    segments = read_transcript(write(tmp_path, "call.vtt", VTT))
    assert segments == [
        Segment("Ana Ruiz", 0.0, 4.5, "Hi Bob, thanks for joining."),
        Segment("Bob Stone", 5.0, 9.25, "Happy to be here. We have ten minutes."),
        Segment("Ana Ruiz", 70.0, 72.0, "What is your budget?"),
    ]


def test_srt_with_comma_milliseconds(tmp_path: Path) -> None:
    segments = read_transcript(write(tmp_path, "call.srt", SRT))
    assert segments == [Segment("Ana Ruiz", 0.0, 3.0, "Hello there."), Segment("Bob Stone", 3.5, 6.0, "Hi.")]


def test_json_list_and_wrapped_object_with_timestamps(tmp_path: Path) -> None:
    items = [{"speaker": "Bob", "start": 2.0, "end": 3.0, "text": "Yes."},
             {"speaker_name": "Ana", "start_time": "00:00:00.5", "end_time": "00:00:01.75", "text": "Ready?"}]
    assert read_transcript(write(tmp_path, "a.json", json.dumps(items))) == [
        Segment("Ana", 0.5, 1.75, "Ready?"), Segment("Bob", 2.0, 3.0, "Yes.")]
    wrapped = read_transcript(write(tmp_path, "b.json", json.dumps({"segments": items[:1]})))
    assert wrapped == [Segment("Bob", 2.0, 3.0, "Yes.")]


def test_timestamp_forms() -> None:
    assert parse_timestamp("01:02:03.5", "x") == pytest.approx(3723.5)
    assert parse_timestamp("02:03,250", "x") == pytest.approx(123.25)


@pytest.mark.parametrize("name,text,where", [
    ("bad.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:0x:02.000\nA: hi\n", "bad.vtt:4"),
    ("nohead.vtt", "1\n00:00:01.000 --> 00:00:02.000\nA: hi\n", "nohead.vtt:1"),
    ("back.srt", "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n00:00:05,000 --> 00:00:03,000\nB: no\n",
     "back.srt:6"),
    ("notiming.srt", "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\nstray text\n", "notiming.srt:5"),
    ("broken.json", '[{"speaker": "A",\n "start": 1,\n "end": }]', "broken.json:3"),
    ("missing.json", '[\n{"speaker": "A", "start": 1, "end": 2, "text": "ok"},\n{"speaker": "B", "start": 3}\n]',
     "missing.json:3"),
    ("empty.json", "[]", "empty.json"),
    ("call.txt", "hello", "call.txt"),
])
def test_malformed_input_names_file_and_line(tmp_path: Path, name: str, text: str, where: str) -> None:
    with pytest.raises(UserInputError) as err:
        read_transcript(write(tmp_path, name, text))
    assert where in str(err.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no such file"):
        read_transcript(tmp_path / "nope.vtt")
    path = tmp_path / "bin.srt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UserInputError, match="not UTF-8"):
        read_transcript(path)
