"""
Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` around the
pool on every cache call; redis-py's constructor builds its table of response
callbacks each time, which cost about 5 % of a warm table page's CPU (the
session is read from Redis on every request; py-spy on a gunicorn worker,
bench/load.py). A ``redis.Redis`` is safe to share between threads (each
command takes a connection from the pool), so one per pool is made and kept.
Everything else (the pools, the serializer, the options) is Django's.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
