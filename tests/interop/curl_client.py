#!/usr/bin/python3
"""curl_client.py - curl's own NTLM (`curl --ntlm`, the HTTP client most
people reach for) against sspi-demo-server, turned into the RESULT line of
wire.h for run-matrix.sh.

    curl_client.py --url URL --resolve HOST:PORT:ADDR --user DOMAIN\\\\USER:PASSWORD
                   [--auth ntlm|negotiate]

The server's answer is its page: "Hello USER: authenticated with PACKAGE
[inside SPNEGO] (HTTP SCHEME), flags 0x..." on success, "authentication
failed: 0xSTATUS..." on a refusal.  HTTP has no message protection: messages
are n/a.
"""

import argparse
import re
import subprocess
import sys

from interop_wire import print_result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--resolve", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--auth", choices=("ntlm", "negotiate"), default="ntlm")
    a = p.parse_args()
    cmd = ["curl", "-sS", "--max-time", "60", "--" + a.auth, "-u", a.user, "--resolve", a.resolve,
           "-w", "\\nHTTP %{http_code}\\n", a.url]
    run = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write("$ curl ... %s\n%s%s" % (a.url, run.stdout, run.stderr))
    code = re.search(r"^HTTP (\d+)$", run.stdout, re.M)
    code = code.group(1) if code else "none"
    hello = re.search(r"^Hello (\S+): authenticated with (\w+)( inside SPNEGO)? \(HTTP (\w+)\)",
                      run.stdout, re.M)
    failed = re.search(r"authentication failed: (0x[0-9a-fA-F]{8})", run.stdout)
    if code == "200" and hello:
        result = "status=SEC_E_OK\nuser=%s\npackage=%s\nform=%s\n" % (
            hello.group(1), hello.group(2), "spnego" if hello.group(3) else "raw")
        scheme = hello.group(4)
    else:
        result = "status=%s\n" % (failed.group(1) if failed else "HTTP-" + code)
        scheme = a.auth.upper()
    print_result(result, "-", "n/a", "HTTP-" + code, "curl-" + scheme)


if __name__ == "__main__":
    sys.exit(main())
