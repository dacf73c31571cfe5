"""Pages load nothing from outside: CSS, JS and plotly.js all come from the app itself."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from fastapi.testclient import TestClient

from salesmind.web.mount import plotly_js_path

Login = Callable[[str], TestClient]
STATIC = Path(__file__).resolve().parents[2] / "src" / "salesmind" / "web" / "static"


class _Links(HTMLParser):
    """Collects every address an HTML page would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "srcset", "poster", "data")]


def _urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def _is_local(url: str) -> bool:
    return (url.startswith("/") and not url.startswith("//")) or url.startswith(("#", "?"))


def test_plotly_js_is_served_from_the_python_package(client: TestClient) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.content == plotly_js_path().read_bytes()


def test_static_css_and_js(client: TestClient) -> None:
    for path in ("/static/app.css", "/static/charts.js", "/static/favicon.svg"):
        assert client.get(path).status_code == 200, path


def test_no_page_loads_or_links_outside(login: Login, book: object) -> None:
    client = login("ann")
    pages = ["/", "/leads", "/accounts", "/opportunities", "/contacts", f"/leads/{book.ann_lead}",
             f"/accounts/{book.ann_account}", f"/opportunities/{book.ann_deal}", f"/contacts/{book.ann_contact}",
             "/leads/999999"]
    for path in pages:
        html = client.get(path).text
        urls = _urls(html)
        assert urls, path
        assert all(_is_local(u) for u in urls), (path, [u for u in urls if not _is_local(u)])
        assert "cdn" not in html.lower(), path
    client.get("/logout")
    assert all(_is_local(u) for u in _urls(client.get("/login").text))


def test_stylesheets_use_no_external_fonts_or_imports() -> None:
    css = (STATIC / "app.css").read_text()
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
