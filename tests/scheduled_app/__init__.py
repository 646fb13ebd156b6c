"""A Django app of the tests only, that registers a periodic job in its ``ready()``, as an app
of Cascade's does (tests/test_scheduler.py installs it for one test)."""
