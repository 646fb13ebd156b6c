"""Data sources: key results whose values come from Jira or Salesforce (DESIGN §6).

A super user adds a *connection* (a service, its address and its credentials, encrypted at
rest); a key result's owner *binds* the key result to a connection with a mode and a query;
the worker (``cascade worker``) runs each binding on its interval as a recorded *sync run*, and
a changed value becomes a check-in with source ``connector``. ``fakes`` holds local stand-ins
for the services that speak their documented JSON, for the tests and the demo.

This package's ``__init__`` imports nothing, so that ``python -m cascade.integrations.fakes``
runs without Django.
"""
