#!/usr/bin/python3
"""ntlm_auth_py_client.py - python3-ntlm-auth (a pure-Python NTLMv2 client
with a MIC, used by requests-ntlm and pywinrm) against interop-server.

    ntlm_auth_py_client.py --port N --user U --domain D --password P
                           [--cb TEXT] [--no-messages] [--hello key=value]...

--cb gives the client channel bindings (application data only, as IIS's
tls-server-end-point bindings are): ntlm-auth puts their MD5 in the
AUTHENTICATE's MsvAvChannelBindings.  Messages: ntlm-auth's wrap/unwrap
(GSS_WrapEx: the 16-byte signature, then the sealed data) and its
message signatures.  Prints the RESULT line of wire.h.
"""

import argparse
import sys

from ntlm_auth.constants import NegotiateFlags
from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
from ntlm_auth.ntlm import NtlmContext

from interop_wire import Wire


def describe_authenticate(ctx):
    """NTLMv2, and whether its AV pairs announce a MIC (MsvAvFlags 0x2)."""
    auth = ctx._authenticate_message
    if len(auth.nt_challenge_response) == 24:
        return "NTLMv1"
    return "NTLMv2+MIC" if auth.mic is not None else "NTLMv2"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cb")
    p.add_argument("--request-target", action="store_true")
    p.add_argument("--no-messages", action="store_true")
    p.add_argument("--hello", action="append", default=[])
    a = p.parse_args()

    cbt = None
    if a.cb is not None:
        cbt = GssChannelBindingsStruct()
        cbt[cbt.APPLICATION_DATA] = a.cb.encode()
    ctx = NtlmContext(a.user, a.password, a.domain, "CLIENT", cbt_data=cbt, ntlm_compatibility=3)
    if a.request_target:
        ctx.negotiate_flags |= NegotiateFlags.NTLMSSP_REQUEST_TARGET
    wire = Wire(a.port, a.hello)
    token = wire.exchange(ctx.step())
    client_package = "-"
    if wire.status == 0x00090312:
        wire.exchange(ctx.step(token))
        client_package = describe_authenticate(ctx)
    messages = "n/a"
    if wire.accepted and not a.no_messages:
        security = ctx._session_security  # ntlm-auth has no public sign/verify
        messages = wire.run_messages(
            ctx.wrap, ctx.unwrap, security._get_signature,
            lambda data, sig: security._verify_signature(data, sig) is None)
    wire.print_result(messages, "complete" if ctx.complete else "incomplete", client_package)
    wire.close()


if __name__ == "__main__":
    sys.exit(main())
