import logging

import pytest

from vchata_social.tests.leaks import AnswerRecorder, Watch, leaks_in, stored_secrets


@pytest.fixture
def leak_watch(db, settings):
    """Fails the test if an answer or a log line of it holds a secret or a stack trace. The
    answers are recorded by a middleware, for WSGI handlers built after this fixture (the
    test client's); a test calling an application built before records them itself."""
    watch = Watch()
    stored_at_start = stored_secrets()
    settings.MIDDLEWARE = ["vchata_social.tests.leaks.AnswerRecorder", *settings.MIDDLEWARE]
    AnswerRecorder.watch = watch
    logging.getLogger().addHandler(watch.logs)
    try:
        yield watch
    finally:
        logging.getLogger().removeHandler(watch.logs)
        AnswerRecorder.watch = None
    assert watch.seen, "no answer was recorded: the recorder is not in the middleware"
    assert leaks_in([*watch.answers, *watch.logs.lines], also=stored_at_start) == []
