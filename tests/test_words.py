"""
The words people read follow docs/GLOSSARY.md: in the Chinese catalogue no term the
glossary puts aside, and full-width punctuation in Chinese text (its two printed
exceptions kept); in templates no ASCII colon after a translated label.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# The glossary's "not" column: a second word for a thing that already has one.
SET_ASIDE = [
    "报送",
    "上报",
    "录入",
    "区县填报人员",
    "历史数据",
    "市局工作人员",
    "截止日期",
    "周报",
    "简报",
    "催办",
    "总计",
    "预测完成",
    "迟报",
]
# 按当前进度无法按期完成, never 无法完成 alone.
UNABLE = re.compile(r"无法完成")
# The glossary's printed exceptions: 县(市、区) and the table's note, as the bureau prints them,
# and the table's date line (2022.11.21) where a message quotes it.
PRINTED = ["县(市、区)", "备注:本表以安装率进行排名,安装率=已安装户数/应安装户数×100%。"]
DATE_LINE = re.compile(r" ?\(\d{4}\.\d{1,2}\.\d{1,2}\) ?")
CJK = "\u4e00-\u9fff"
HALF_WIDTH = re.compile(rf"[{CJK}][,:;()!?]|[,:;()!?] ?[{CJK}]")


def translations() -> list[str]:
    """Every msgstr of the catalogue, its quoted lines joined."""
    text = CATALOGUE.read_text(encoding="utf-8")
    found = []
    for entry in text.split("\n\n"):
        parts = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M)
        found += ["".join(re.findall(r'"(.*)"', part)) for part in parts]
    return [t for t in found if t]


def test_it_reads_the_catalogue():
    assert len(translations()) > 300


def test_the_catalogue_uses_no_word_the_glossary_sets_aside():
    offending = [t for t in translations() if any(word in t for word in SET_ASIDE)]
    offending += [t for t in translations() if UNABLE.search(t)]
    assert offending == []


def test_chinese_text_has_full_width_punctuation():
    offending = []
    for text in translations():
        for printed in PRINTED:
            text = text.replace(printed, "")
        text = DATE_LINE.sub("", text)
        if HALF_WIDTH.search(text):
            offending.append(text)
    assert offending == []


def test_no_template_puts_an_ascii_colon_after_a_translated_label():
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"%\}[:;,] ", line)
    ]
    assert offending == []
