"""gunicorn's settings for the web line (the Procfile's `web`).

Threaded workers: a request stays with one thread from its first byte to its last, and a
client that stalls while sending its body holds that thread. So a worker runs WEB_THREADS
threads, and every read and write of a client's socket waits at most WEB_CLIENT_TIMEOUT
seconds (vchata_social.web_worker): a stalled client costs one thread for that long, not a
whole worker for as long as it likes. Clients that have not sent a byte yet, and idle
keep-alive connections, wait in the worker's event loop and hold no thread.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "vchata_social.web_worker.ClientTimeoutThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# Connections a worker holds at once, threads busy or idle keep-alive.
worker_connections = 1000
# A worker whose event loop stops answering the arbiter this long is restarted; with threads the
# loop keeps answering while requests run, so this only catches a stuck worker.
timeout = 30
graceful_timeout = 30
# Behind a load balancer that reuses connections: keep them a little past its idle timeout.
keepalive = 5
# gunicorn's own bounds on the request line and headers, stated so that they are not changed
# by accident (bodies are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE in Django).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
