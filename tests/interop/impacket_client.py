#!/usr/bin/python3
"""impacket_client.py - impacket's NTLM and Kerberos clients (python3-impacket,
the toolkit behind many SMB/LDAP/MSSQL tools) against interop-server.

    impacket_client.py --port N --mech ntlm|spnego-ntlm --user U --domain D --password P
    impacket_client.py --port N --mech spnego-krb5 --form ldap|smb --user U --realm R
                       --spn SERVICE/HOST --ccache FILE
    common: [--no-messages] [--hello key=value]...

NTLM: impacket.ntlm's NEGOTIATE (getNTLMSSPType1: 32 bytes, no Version) and
AUTHENTICATE (getNTLMSSPType3, NTLMv2), raw or inside impacket.spnego's
NegTokenInit/NegTokenResp; then messages sealed and signed with impacket.ntlm's
SEAL/SIGN (GSS_WrapEx: signature, then the sealed data).

Kerberos: the service ticket for --spn from an MIT ccache (impacket's CCache,
as its tools' -k option reads KRB5CCNAME), then the AP-REQ built as impacket
0.10 builds it: an authenticator with no checksum at all (so no GSS flags and
no channel bindings), no AP options, inside a SPNEGO NegTokenInit listing
MS-KRB5.  --form ldap sends the AP-REQ bare in the mechToken, as impacket's
LDAP and MSSQL (tds.py) code does; --form smb puts the RFC 2743 header (krb5
OID, TOK_ID 01 00) in front of it, as its SMB code does.  Handshake only:
impacket has no GSS wrap for Kerberos outside its SMB3/DCE-RPC code.

Why a ccache and not impacket's own KDC exchange: against MIT's krb5kdc
(1.20) impacket 0.10's getKerberosTGT fails (it decodes the AS-REP's
encrypted part as EncASRepPart, application tag 25, only; MIT sends
EncTGSRepPart, tag 26, which RFC 4120 section 5.4.2 lets clients accept) and
its getKerberosTGS is refused with KRB_AP_ERR_INAPP_CKSUM (its PA-TGS-REQ
authenticator carries no checksum of the request body); it also only talks
to port 88.

Prints the RESULT line of wire.h.
"""

import argparse
import datetime
import struct
import sys

from Cryptodome.Cipher import ARC4
from impacket import ntlm
from impacket.krb5 import constants
from impacket.krb5.asn1 import AP_REQ, TGS_REP, Authenticator, seq_set
from impacket.krb5.gssapi import KRB5_AP_REQ
from impacket.krb5.ccache import CCache
from impacket.krb5.types import KerberosTime, Principal, Ticket
from impacket.spnego import (ASN1_AID, ASN1_OID, SPNEGO_NegTokenInit, SPNEGO_NegTokenResp,
                             TypesMech, asn1encode)
from pyasn1.codec.der import decoder, encoder
from pyasn1.type.univ import noValue

from interop_wire import SEC_I_CONTINUE_NEEDED, Wire

NTLMSSP = TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]
MS_KRB5 = TypesMech["MS KRB5 - Microsoft Kerberos 5"]
KRB5 = TypesMech["KRB5 - Kerberos 5"]


class NtlmSession:
    """impacket.ntlm's session security: MS-NLMP 3.4 with its SEAL/SIGN."""

    def __init__(self, flags, session_key):
        self.flags = flags
        keys = {}
        for mode in ("Client", "Server"):
            keys[mode] = (ntlm.SIGNKEY(flags, session_key, mode),
                          ARC4.new(ntlm.SEALKEY(flags, session_key, mode)).encrypt)
        self.out_sign, self.out_handle = keys["Client"]
        self.in_sign, self.in_handle = keys["Server"]
        self.out_seq = self.in_seq = 0

    def seal(self, msg):
        sealed, signature = ntlm.SEAL(self.flags, self.out_sign, None, msg, msg,
                                      self.out_seq, self.out_handle)
        self.out_seq += 1
        return signature.getData() + sealed

    def sign(self, msg):
        signature = ntlm.SIGN(self.flags, self.out_sign, msg, self.out_seq, self.out_handle)
        self.out_seq += 1
        return signature.getData()

    def verify(self, msg, signature):
        expected = ntlm.SIGN(self.flags, self.in_sign, msg, self.in_seq, self.in_handle)
        self.in_seq += 1
        return expected.getData() == signature

    def unseal(self, token):
        msg = self.in_handle(token[16:])
        return msg if self.verify(msg, token[:16]) else None


def ntlm_handshake(wire, a, spnego):
    """Returns (client_status, client_package, session or None)."""
    type1 = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
    token = type1.getData()
    if spnego:
        init = SPNEGO_NegTokenInit()
        init["MechTypes"] = [NTLMSSP]
        init["MechToken"] = token
        token = init.getData()
    print("impacket-client: NEGOTIATE of %d bytes, flags 0x%08x"
          % (len(type1.getData()), type1["flags"]), file=sys.stderr)
    reply = wire.exchange(token)
    if wire.status != SEC_I_CONTINUE_NEEDED:
        return "refused-NEGOTIATE", "-", None
    if spnego:
        reply = SPNEGO_NegTokenResp(reply)["ResponseToken"]
    type3, session_key = ntlm.getNTLMSSPType3(type1, reply, a.user, a.password, a.domain,
                                              use_ntlmv2=True)
    token = type3.getData()
    if spnego:
        resp = SPNEGO_NegTokenResp()
        resp["ResponseToken"] = token
        token = resp.getData()
    wire.exchange(token)
    package = "NTLMv2" if len(type3["ntlm"]) > 24 else "NTLMv1"
    return "sent-AUTHENTICATE", package, NtlmSession(type3["flags"], session_key)


def kerberos_handshake(wire, a):
    """Returns (client_status, client_package)."""
    user = Principal(a.user, type=constants.PrincipalNameType.NT_PRINCIPAL.value)
    # The service ticket from the user's MIT ccache, as impacket's tools
    # take it with -k (KRB5CCNAME): see the comment at the top for why not
    # getKerberosTGT/getKerberosTGS.
    creds = CCache.loadFile(a.ccache).getCredential("%s@%s" % (a.spn, a.realm))
    if creds is None:
        raise LookupError("no ticket for %s@%s in %s" % (a.spn, a.realm, a.ccache))
    tgs = creds.toTGS()
    tgs, cipher, session_key = tgs["KDC_REP"], tgs["cipher"], tgs["sessionKey"]
    ticket = Ticket()
    ticket.from_asn1(decoder.decode(tgs, asn1Spec=TGS_REP())[0]["ticket"])

    ap_req = AP_REQ()
    ap_req["pvno"] = 5
    ap_req["msg-type"] = int(constants.ApplicationTagNumbers.AP_REQ.value)
    ap_req["ap-options"] = constants.encodeFlags([])
    seq_set(ap_req, "ticket", ticket.to_asn1)
    authenticator = Authenticator()
    authenticator["authenticator-vno"] = 5
    authenticator["crealm"] = a.realm
    seq_set(authenticator, "cname", user.components_to_asn1)
    now = datetime.datetime.utcnow()
    authenticator["cusec"] = now.microsecond
    authenticator["ctime"] = KerberosTime.to_asn1(now)
    # Key usage 11: the AP-REQ authenticator, under the ticket's session key.
    ap_req["authenticator"] = noValue
    ap_req["authenticator"]["etype"] = cipher.enctype
    ap_req["authenticator"]["cipher"] = cipher.encrypt(session_key, 11,
                                                       encoder.encode(authenticator), None)

    init = SPNEGO_NegTokenInit()
    init["MechTypes"] = [MS_KRB5]
    if a.form == "ldap":
        init["MechToken"] = encoder.encode(ap_req)
    else:
        init["MechToken"] = (struct.pack("B", ASN1_AID) + asn1encode(
            struct.pack("B", ASN1_OID) + asn1encode(KRB5) + KRB5_AP_REQ + encoder.encode(ap_req)))
    wire.exchange(init.getData())
    return "sent-AP-REQ", "AP-REQ(%s)" % a.form


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mech", choices=("ntlm", "spnego-ntlm", "spnego-krb5"), required=True)
    p.add_argument("--form", choices=("ldap", "smb"), default="ldap")
    p.add_argument("--user", required=True)
    p.add_argument("--password", default="")
    p.add_argument("--domain", default="")
    p.add_argument("--realm", default="")
    p.add_argument("--spn", default="")
    p.add_argument("--ccache", default="")
    p.add_argument("--no-messages", action="store_true")
    p.add_argument("--hello", action="append", default=[])
    a = p.parse_args()

    wire = Wire(a.port, a.hello)
    messages = "n/a"
    try:
        if a.mech == "spnego-krb5":
            client_status, client_package = kerberos_handshake(wire, a)
        else:
            client_status, client_package, session = ntlm_handshake(wire, a, a.mech != "ntlm")
            if wire.accepted and not a.no_messages:
                messages = wire.run_messages(session.seal, session.unseal, session.sign,
                                             session.verify)
    except Exception as e:  # the cell's RESULT line says what failed
        print("impacket-client: %s: %.300s" % (type(e).__name__, e), file=sys.stderr)
        client_status, client_package = "error:" + type(e).__name__, "-"
    wire.print_result(messages, client_status, client_package)
    wire.close()


if __name__ == "__main__":
    sys.exit(main())
