"""The Redis cache, failing open: when Redis is down every operation is a miss and `add` (used
as a lock by allauth's login rate limit) succeeds, so people can still log in. The outage shows
in /readyz; login throttling resumes when Redis returns."""

from django_redis.cache import RedisCache


class FailOpenRedisCache(RedisCache):
    def add(self, *args, **kwargs):
        result = super().add(*args, **kwargs)
        # django-redis returns None instead of raising when it ignores a connection error.
        return True if result is None else result
