"""
Messages of Django's own code that Django's zh_Hans catalogue does not translate.

Django 5.2 reworded MinimumLengthValidator's error ("%d character", no longer
"%(min_length)d character") and its zh_Hans catalogue still has only the old
wording, so a short password was refused in English beside the other messages
in Chinese. makemessages finds the msgids here and copies them into our
catalogue (locale/zh_Hans), which Django reads before its own. The calls must
stay word for word as in django/contrib/auth/password_validation.py; the test
tests/test_password_messages.py shows when they no longer match.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext

# The admin's "add user" page (admin/auth/user/add_form.html), where bureau staff
# make accounts; Django's zh_Hans catalogue has no entry for it either.
ADMIN_ADD_USER_HINT = gettext_noop(
    "After you’ve created a user, you’ll be able to edit more user options."
)


def password_too_short(min_length: int) -> str:
    return ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        min_length,
    ) % (min_length,)
