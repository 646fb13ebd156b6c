"""Local fakes of Jira (Cloud and Data Center) and Salesforce, for the tests and the demo.

They are *not* the real services: small HTTP servers on 127.0.0.1 that speak the documented
REST JSON of the endpoints Cascade uses — paging (``nextPageToken``/``isLast``,
``startAt``/``total``, ``nextRecordsUrl``), authentication, the error shapes
(``errorMessages``, ``[{"message", "errorCode"}]``), Jira Cloud's 410 on the removed
``/rest/api/3/search`` — and that can be told to misbehave (429 with ``Retry-After``, 503,
slow answers, bodies that are not JSON). Their JQL and SOQL are small subsets.

``python -m cascade.integrations.fakes`` serves the demo organisation's data (see
``demo_data``); ``cascade demo`` starts it beside the web server and the worker.
They import nothing from Django.
"""
