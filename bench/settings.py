"""
The benchmark's settings: the project's own, with a bare view added to the
URLs. bench/run.py sets the environment first (a throw-away SQLite file,
DEBUG off, plain static files storage), so everything else is as deployed.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver"]
# Making the benchmark's one user should not cost a second of password hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Keep the connection between requests, as production does (dj_database_url's
# conn_max_age=600). The project closes SQLite connections after every request;
# closing the last connection checkpoints the WAL with an fsync, some 10-20 ms on
# this disk, which would swamp what is measured here. run.py times the bare view
# that way too, as its own row.
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
