"""gunicorn's threaded worker with a deadline on every read and write of a client's socket.

gunicorn hands a connection to a thread once its first bytes arrive, and the thread then
reads the headers and, when the view asks for it, the body, with a blocking socket that
has no timeout: a client that sends headers announcing a body and then stalls holds the
thread until it hangs up. With a socket timeout the read fails after WEB_CLIENT_TIMEOUT
seconds, the request ends and the thread serves others.
"""

import os

from gunicorn.workers.gthread import ThreadWorker

DEFAULT_CLIENT_TIMEOUT_SECONDS = 30.0


def client_timeout_seconds() -> float:
    return float(os.environ.get("WEB_CLIENT_TIMEOUT", DEFAULT_CLIENT_TIMEOUT_SECONDS))


class ClientTimeoutThreadWorker(ThreadWorker):
    def init_process(self) -> None:
        self.client_timeout = client_timeout_seconds()
        super().init_process()

    def handle(self, conn):
        # The thread's blocking socket (gunicorn sets it blocking, without a timeout, just
        # before handing it over) gets its deadline here, each time it comes back from
        # keep-alive too.
        conn.sock.settimeout(self.client_timeout)
        return super().handle(conn)
