"""What an outage of a service we depend on looks like from inside the process.

Django's Redis cache and Celery's Redis broker raise the client library's own errors when
Redis cannot be reached; the database raises Django's OperationalError or InterfaceError.
Code that must keep answering through an outage catches these, and only these: any other
error is a bug and stays a 500.
"""

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError

# Refused or reset connections, timeouts, a Redis that is loading or read-only: redis-py
# raises its own errors for all of them, socket errors included.
CACHE_UNREACHABLE_ERRORS = (redis.exceptions.RedisError,)
# kombu wraps the connection errors of publishing once its own retries are spent.
BROKER_UNREACHABLE_ERRORS = (kombu.exceptions.OperationalError, *CACHE_UNREACHABLE_ERRORS)
DATABASE_UNREACHABLE_ERRORS = (OperationalError, InterfaceError)
