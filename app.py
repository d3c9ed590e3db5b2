"""Start the web page: ``python app.py [--host 127.0.0.1] [--port 7860] [--auth user:pass]``.

Bound to 127.0.0.1 unless told otherwise; a login only when --auth is given (or
$SUMMARIZER_WEB_AUTH=user:pass). Nothing is fetched from the internet: Gradio analytics
are off and the page uses system fonts.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="News repair and merged summary: the web page")
    parser.add_argument("--host", default=os.environ.get("SUMMARIZER_WEB_HOST", "127.0.0.1"),
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SUMMARIZER_WEB_PORT", "7860")))
    parser.add_argument("--auth", default=os.environ.get("SUMMARIZER_WEB_AUTH", ""),
                        help="require a login, given as user:password (off by default)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="pipeline runs at once; more wait in the queue (default 2)")
    args = parser.parse_args(argv)
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            parser.error("--auth must be user:password")
        auth = (user, password)

    from summarizer.config import Config
    from summarizer.webapp import launch

    launch(host=args.host, port=args.port, auth=auth, config=Config.load(), concurrency=args.concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
