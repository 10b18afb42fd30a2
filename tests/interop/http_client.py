#!/usr/bin/python3
"""http_client.py - an HTTP client against sspi-demo-server, its answer
turned into the RESULT line of wire.h for run-matrix.sh.

    http_client.py -- COMMAND...

COMMAND is the client (curl --ntlm, curl --negotiate, Java's
HttpURLConnection through java/HttpFetch.java): it prints the page, then a
last line "HTTP <status code>" (curl: -w '\\nHTTP %{http_code}\\n').  The
demo server's page says "Hello USER: authenticated with PACKAGE [inside
SPNEGO] (HTTP SCHEME), flags 0x..." on success and "authentication failed:
0xSTATUS..." on a refusal.  HTTP has no message protection: messages are n/a.
"""

import re
import subprocess
import sys

from interop_wire import print_result


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        print("usage: http_client.py -- COMMAND...", file=sys.stderr)
        return 2
    run = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=100)
    sys.stderr.write(run.stdout + run.stderr)
    code = re.search(r"^HTTP (\d+)$", run.stdout, re.M)
    code = code.group(1) if code else "none"
    hello = re.search(r"^Hello (\S+): authenticated with (\w+)( inside SPNEGO)? \(HTTP (\w+)\)",
                      run.stdout, re.M)
    failed = re.search(r"authentication failed: (0x[0-9a-fA-F]{8})", run.stdout)
    scheme = "-"
    if code == "200" and hello:
        result = "status=SEC_E_OK\nuser=%s\npackage=%s\nform=%s\n" % (
            hello.group(1), hello.group(2), "spnego" if hello.group(3) else "raw")
        scheme = hello.group(4)
    else:
        result = "status=%s\n" % (failed.group(1) if failed else "HTTP-" + code)
    print_result(result, "-", "n/a", "HTTP-" + code, "HTTP-" + scheme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
