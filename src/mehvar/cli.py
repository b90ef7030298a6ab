"""The `mehvar` command: serve, worker, demo, and every Django management command."""

from __future__ import annotations

import os
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.settings")
    import django

    django.setup()


def _serve(argv: list[str]) -> int:
    """Run gunicorn with the app (production-grade server, also used for the demo)."""
    from gunicorn.app.wsgiapp import run

    from mehvar.core.env import env_bool, env_int, env_str

    bind = env_str("MEHVAR_BIND", "127.0.0.1:8000")
    workers = str(env_int("MEHVAR_WEB_WORKERS", 2))
    threads = str(env_int("MEHVAR_WEB_THREADS", 1))
    sys.argv = ["gunicorn", "mehvar.wsgi:application", "--bind", bind, "--workers", workers,
                "--threads", threads]
    if env_bool("MEHVAR_ACCESS_LOG", False):  # off by default: the proxy in front logs requests
        sys.argv += ["--access-logfile", "-"]
    sys.argv += argv
    run()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command == "serve":
        _django()
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        return _serve(args[1:])
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mehvar", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
