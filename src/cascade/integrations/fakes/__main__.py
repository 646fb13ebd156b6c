"""Serve the demo's fake Jira Cloud and Salesforce on 127.0.0.1 until stopped.

    python -m cascade.integrations.fakes [--jira-port N] [--salesforce-port N]

Free ports by default. The first line printed is JSON: {"jira": url, "salesforce": url}.
"""

import argparse
import json
import signal
import sys
import threading

from cascade.integrations.fakes import demo_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jira-port", type=int, default=0)
    parser.add_argument("--salesforce-port", type=int, default=0)
    options = parser.parse_args()
    jira = demo_data.jira().start(options.jira_port)
    salesforce = demo_data.salesforce().start(options.salesforce_port)
    print(json.dumps({"jira": jira.url, "salesforce": salesforce.url}), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    jira.stop()
    salesforce.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
