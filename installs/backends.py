"""
Django's model backend, loading a signed-in user with their profile in one query.

Every page asks for the user's role (installs.permissions): with Django's
ModelBackend that is a query for the user and one for the profile.
``ProfileBackend.get_user`` joins the profile to the user. Not its region and area
too: each join costs about as much to compile as a query of its own, and only
district staff (their region) and accounts bound to an area read them. Signing in
(``authenticate``) and permissions are Django's, unchanged.

The query is the one ``select_related("profile").get(pk=…)`` makes, written once
per process from the models' fields: the ORM built and compiled it anew on every
request, a third of a warm table page's Python time (py-spy on bench/load.py's
gunicorn workers). The rows become a User and its Profile as the ORM makes them
(``Model.from_db``, each column through the database's converters), so the session
check that follows (the password hash in the session) reads the same user.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router


class ProfileBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# The database alias → (SQL, the user's fields, the profile's fields, each column's
# converters). Written on the first request: the models are ready by then.
_queries: dict[str, tuple] = {}


def _query(alias: str) -> tuple:
    users = get_user_model()
    profiles = users.profile.related.related_model
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_fields = list(users._meta.concrete_fields)
    profile_fields = list(profiles._meta.concrete_fields)
    user_table, profile_table = users._meta.db_table, profiles._meta.db_table
    columns = [f"{quote(user_table)}.{quote(f.column)}" for f in user_fields]
    columns += [f"{quote(profile_table)}.{quote(f.column)}" for f in profile_fields]
    user_pk = f"{quote(user_table)}.{quote(users._meta.pk.column)}"
    profile_user = profiles._meta.get_field("user")
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(user_table)} "
        f"LEFT OUTER JOIN {quote(profile_table)} "
        f"ON ({user_pk} = {quote(profile_table)}.{quote(profile_user.column)}) "
        f"WHERE {user_pk} = %s"
    )
    converters = []
    for field, table in [(f, user_table) for f in user_fields] + [
        (f, profile_table) for f in profile_fields
    ]:
        column = field.get_col(table)
        converters.append(
            (column, connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        )
    return sql, user_fields, profile_fields, converters


def user_with_profile(user_id):
    """
    The user of that id (already read from the session by Django's ``get_user``) with
    ``user.profile`` read; None: no such user.
    """
    users = get_user_model()
    alias = router.db_for_read(users)
    try:
        sql, user_fields, profile_fields, converters = _queries[alias]
    except KeyError:
        sql, user_fields, profile_fields, converters = _queries.setdefault(alias, _query(alias))
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [users._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, functions) in zip(row, converters, strict=True):
        for function in functions:
            value = function(value, column, connection)
        values.append(value)
    split = len(user_fields)
    user = users.from_db(alias, [f.attname for f in user_fields], values[:split])
    profile = None
    profile_model = users.profile.related.related_model
    if values[split + profile_fields.index(profile_model._meta.pk)] is not None:  # one joined
        profile = profile_model.from_db(alias, [f.attname for f in profile_fields], values[split:])
        profile_model.user.field.set_cached_value(profile, user)
    users.profile.related.set_cached_value(user, profile)  # None: user.profile raises
    return user
