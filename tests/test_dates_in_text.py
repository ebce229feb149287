"""
Dates in the text people read are in Chinese form (docs/GLOSSARY.md): 2022年11月21日 or
11月21日; ISO 2022-11-21 only in addresses, inputs and files. Every page bureau staff
can open on the seed, its visible text read without scripts, inputs and choosers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import load_seed, make_user

WEEK = "2022-11-21"
PAGES = [
    f"/weeks/{WEEK}/",
    f"/weeks/{WEEK}/charts/",
    f"/weeks/{WEEK}/pace/",
    f"/weeks/{WEEK}/status/",
    f"/weeks/{WEEK}/grid/",
    f"/weeks/{WEEK}/entry/",
    f"/weeks/{WEEK}/entry/wenxian/",
    f"/weeks/{WEEK}/audit/wenxian/",
    "/regions/qinyang/",
    "/weeks/manage/",
    "/audit/",
    "/targets/",
    "/import/",
]
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Not text to read: code, the data of charts, and inputs (a date input shows ISO).
SKIPPED = {"script", "style", "select", "textarea", "code", "template"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0:
            self.parts.append(data)


@pytest.fixture
def bureau(client, db):
    load_seed()
    client.force_login(make_user("shiju", "bureau"))
    return client


@pytest.mark.parametrize("url", PAGES)
def test_no_page_shows_an_iso_date_in_its_text(bureau, url):
    response = bureau.get(url)
    assert response.status_code == 200
    parser = VisibleText()
    parser.feed(response.content.decode())
    assert ISO.findall(" ".join(parser.parts)) == []
