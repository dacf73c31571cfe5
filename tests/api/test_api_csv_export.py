"""The shared ``?format=csv`` helper."""

import csv
import io
from datetime import date

from salesmind.api.csv import csv_response, csv_text


def test_csv_text_takes_the_union_of_keys_and_blanks_missing_values():
    text = csv_text([{"a": 1, "b": float("nan")}, {"a": 2, "c": date(2026, 1, 2)}, {"b": None}])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["a", "b", "c"], ["1", "", ""], ["2", "", "2026-01-02"], ["", "", ""]]


def test_csv_response_sets_type_and_a_safe_filename():
    response = csv_response([{"x": "a,b"}], "pipeline conversion/../q1")
    assert response.media_type.startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="pipeline-conversion-..-q1.csv"'
    assert response.body.decode() == 'x\n"a,b"\n'


def test_csv_response_with_no_rows_is_empty():
    assert csv_response([], "empty.csv").body == b"\n"
