"""Fixtures shared by the analytics test modules."""

import pytest

from .test_analytics import make_events, new_project, post


@pytest.fixture(scope="session")
def usage(app, database_url):
    """A project holding make_events() (fixed ids), posted once per run in two batches (the second
    updates existing rollups): (project id, the events as sent with their answered costs)."""
    key, project = new_project(database_url)
    client = app.test_client()
    events = make_events()
    sent = post(client, key, events[:35]) + post(client, key, events[35:])
    return project, sent
