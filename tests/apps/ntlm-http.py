#!/usr/bin/python3
"""ntlm-http.py - Samba's NTLM client (ntlm_auth) over HTTP, for make interop-apps.

    ntlm-http.py URL USER DOMAIN PASSWORD [SMB_CONF]

Runs `ntlm_auth --helper-protocol=ntlmssp-client-1` (Samba's own NTLMSSP
code) and carries its NEGOTIATE and AUTHENTICATE to URL in
"Authorization: Negotiate" headers (raw NTLMSSP, as Wine and older HTTP
stacks send it), the server's CHALLENGE back to it, on one kept-alive
connection (mod_auth_gssapi binds the NTLM context to it).  SMB_CONF is
given to ntlm_auth: "client ntlmv2 auth = no" there makes it send NTLMv1.
Prints the final HTTP status and exits 0 (1 when the exchange broke).
"""
import http.client
import subprocess
import sys
import urllib.parse


def helper_line(helper, line):
    helper.stdin.write(line + "\n")
    helper.stdin.flush()
    return helper.stdout.readline().strip()


def main():
    url, user, domain, password = sys.argv[1:5]
    conf = sys.argv[5] if len(sys.argv) > 5 else "/dev/null"
    target = urllib.parse.urlsplit(url)
    helper = subprocess.Popen(
        ["ntlm_auth", "--helper-protocol=ntlmssp-client-1", "--username=" + user,
         "--domain=" + domain, "--password=" + password, "--configfile=" + conf],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    status = 0
    try:
        reply = helper_line(helper, "YR")
        for _ in range(3):
            # YR: the NEGOTIATE; KK or AF: the AUTHENTICATE
            if not reply.startswith(("YR ", "KK ", "AF ")):
                break
            conn.request("GET", target.path or "/",
                         headers={"Authorization": "Negotiate " + reply[3:]})
            response = conn.getresponse()
            response.read()
            status = response.status
            challenge = response.getheader("WWW-Authenticate") or ""
            if status != 401 or not challenge.startswith("Negotiate ") or not reply.startswith("YR "):
                break
            reply = helper_line(helper, "TT " + challenge[len("Negotiate "):])
    finally:
        conn.close()
        helper.stdin.close()
        helper.wait()
    print(status)
    return 0 if status else 1


if __name__ == "__main__":
    sys.exit(main())
