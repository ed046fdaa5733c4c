"""The WIMS emulator in a process of its own (so its threads share no GIL with the harness).

    python -m benchmarks.launchbench.emulator_proc --ident lti --passwd SECRET

Prints one JSON line `{"url": ..., "pid": ...}` once it listens on a free loopback port and runs until
its standard input is closed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from wims_lti.wims.emulator import EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ident", required=True)
    parser.add_argument("--passwd", required=True)
    args = parser.parse_args()
    server = EmulatorServer(ident=args.ident, passwd=args.passwd).start()
    print(json.dumps({"url": server.url, "pid": os.getpid()}), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
