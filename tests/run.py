"""Run the whole test suite on every database Cascade supports: SQLite, then PostgreSQL.

    ./dev test                       both databases
    ./dev test --db postgres         one of them
    ./dev test -- -k rollup -x       anything after -- goes to pytest

PostgreSQL is found at $CASCADE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres;
the tests create and drop their own database beside it). An unreachable PostgreSQL fails the run:
it is never skipped.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get(
    "CASCADE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DATABASES = {"sqlite": "", "postgres": POSTGRES}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=[*DATABASES, "all"], default="all")
    parser.add_argument("pytest_args", nargs="*")
    options = parser.parse_args()
    names = list(DATABASES) if options.db == "all" else [options.db]
    results = {}
    for name in names:
        print(f"\n===== Cascade test suite on {name} =====", flush=True)
        env = {**os.environ, "DATABASE_URL": DATABASES[name], "CASCADE_TEST_DB": name}
        command = [sys.executable, "-m", "pytest", *options.pytest_args]
        results[name] = subprocess.call(command, cwd=ROOT, env=env)
    print("\n===== Summary =====")
    for name, code in results.items():
        print(f"{name:10} {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
