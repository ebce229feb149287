"""Django's password validators speak Chinese, including 5.2's reworded "too short"."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

from installs.catalogue_additions import password_too_short


def messages_for(password: str) -> list[str]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        password_validation.validate_password(password)
    return raised.value.messages


def test_a_short_password_is_refused_in_chinese():
    assert messages_for("Zq7#x") == ["密码长度太短。密码必须包含至少 8 个字符。"]


def test_the_catalogue_addition_is_word_for_word_djangos_message():
    """Fails when Django rewords the message again: then copy its new wording."""
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        password_validation.MinimumLengthValidator(min_length=8).validate("Zq7#x")
    with translation.override("en"):
        assert raised.value.messages == [password_too_short(8)]


@pytest.mark.parametrize(
    ("password", "says"),
    [("12345678901", "密码只包含数字。"), ("password", "这个密码太常见了。")],
)
def test_the_other_validators_speak_chinese_too(password, says):
    assert says in messages_for(password)
