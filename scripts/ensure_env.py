"""Create `.env` for development once: DEBUG on and a SECRET_KEY of this checkout's own.

Standard library only (it runs before the virtual environment exists). An existing `.env` is kept as
it is; only a missing SECRET_KEY is added, so a key once generated never changes (sessions survive).
"""

import secrets
import sys
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def main() -> int:
    if not ENV_FILE.exists():
        ENV_FILE.write_text(
            "# Development settings, written once by `make run` / `make test` (see .env.example).\n"
            "DEBUG=1\n"
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n",
            encoding="utf-8",
        )
        print(f"Wrote {ENV_FILE.name} (DEBUG=1 and a new SECRET_KEY).")
        return 0
    text = ENV_FILE.read_text(encoding="utf-8")
    keys = {
        line.split("=", 1)[0].strip().removeprefix("export ").strip()
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    if "SECRET_KEY" not in keys:
        separator = "" if text.endswith("\n") or not text else "\n"
        ENV_FILE.write_text(f"{text}{separator}SECRET_KEY={secrets.token_urlsafe(50)}\n", encoding="utf-8")
        print(f"Added a SECRET_KEY to {ENV_FILE.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
