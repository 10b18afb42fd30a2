"""interop_wire.py - the interop framing (wire.h) for the Python clients.

Speaks what tests/interop/wire.c speaks, so that Python NTLM and Kerberos
implementations (python3-ntlm-auth, impacket) talk to interop-server like
the C clients do: frames are type (1 byte) | length (u32 BE) | payload; the
client sends HELLO (key=value lines) and TOKEN frames, the server answers
each with REPLY (u32 SECURITY_STATUS + token) and at the end RESULT; then
SEAL and SIGN frames carry SecBuffer lists both ways.  Ends with the RESULT
line run-matrix.sh reads, in wire_print_result's format.
"""

import socket
import struct
import sys

HELLO, TOKEN, REPLY, RESULT, SEAL, SIGN = b"H", b"T", b"A", b"R", b"E", b"S"
BUF_DATA, BUF_TOKEN, BUF_PADDING, BUF_STREAM = 1, 2, 9, 10
SEC_E_OK, SEC_I_CONTINUE_NEEDED = 0, 0x00090312
MESSAGE_LENGTHS = (1, 13, 1000, 20000)  # wire.c's message_lengths


def test_message(i):
    """wire_test_message(i): the bytes both sides seal and sign."""
    return bytes(ord("A") + (k * 7 + i) % 26 for k in range(MESSAGE_LENGTHS[i]))


class Wire:
    def __init__(self, port, hello_lines):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(60)
        self.send(HELLO, "".join(line + "\n" for line in hello_lines).encode())
        self.status = SEC_I_CONTINUE_NEEDED
        self.result = ""

    def send(self, kind, payload):
        self.sock.sendall(kind + struct.pack(">I", len(payload)) + payload)

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("server closed the connection")
            data += chunk
        return data

    def recv(self):
        head = self._recv_exact(5)
        return head[:1], self._recv_exact(struct.unpack(">I", head[1:])[0])

    def exchange(self, token):
        """Sends a TOKEN, returns the server's reply token (b"" if none);
        self.status is the server's SECURITY_STATUS.  After the last one
        the server's RESULT text is read into self.result."""
        self.send(TOKEN, token)
        kind, payload = self.recv()
        if kind != REPLY or len(payload) < 4:
            raise ValueError("expected a REPLY frame")
        self.status = struct.unpack(">I", payload[:4])[0]
        print("interop-wire: sent %d bytes, server 0x%08x with %d bytes"
              % (len(token), self.status, len(payload) - 4), file=sys.stderr)
        if self.status != SEC_I_CONTINUE_NEEDED:
            kind, text = self.recv()
            if kind == RESULT:
                self.result = text.decode(errors="replace")
                sys.stderr.write("server result:\n" + self.result)
        return payload[4:]

    @property
    def accepted(self):
        return self.status == SEC_E_OK

    def round_trip(self, kind, bufs):
        """Sends a message (list of (SecBuffer type, bytes)), returns the
        server's answer as such a list; raises when the server could not
        open ours."""
        payload = struct.pack(">II", 0, len(bufs))
        for btype, data in bufs:
            payload += struct.pack(">II", btype, len(data)) + data
        self.send(kind, payload)
        rkind, reply = self.recv()
        status, count = struct.unpack(">II", reply[:8])
        if rkind != kind or status != 0:
            raise ValueError("the server answered 0x%08x" % status)
        out, off = [], 8
        for _ in range(count):
            btype, n = struct.unpack(">II", reply[off:off + 8])
            out.append((btype, reply[off + 8:off + 8 + n]))
            off += 8 + n
        return out

    def run_messages(self, seal, unseal, sign, verify):
        """Every test message sealed and signed both ways, as gss_client.c
        does: seal(m) -> one STREAM buffer; the server's TOKEN|DATA|PADDING
        joined -> unseal; sign(m) -> a signature sent with the DATA, the
        server's -> verify(data, signature).  Returns "k/n" or
        "k/n(kind#i:why)"."""
        done, total = 0, 2 * len(MESSAGE_LENGTHS)
        for i in range(len(MESSAGE_LENGTHS)):
            msg = test_message(i)
            for kind in ("seal", "sign"):
                try:
                    if kind == "seal":
                        reply = self.round_trip(SEAL, [(BUF_STREAM, seal(msg))])
                        ok = unseal(b"".join(data for _, data in reply)) == msg
                    else:
                        reply = dict(self.round_trip(SIGN, [(BUF_DATA, msg),
                                                            (BUF_TOKEN, sign(msg))]))
                        ok = reply.get(BUF_DATA) == msg and verify(msg, reply.get(BUF_TOKEN))
                    if not ok:
                        raise ValueError("the server's answer did not open to our message")
                except Exception as e:  # the cell's log gets why
                    print("interop-wire: %s #%d: %s" % (kind, i, e), file=sys.stderr)
                    return "%d/%d(%s#%d)" % (done, total, kind, i)
                done += 1
        return "%d/%d" % (done, total)

    def print_result(self, messages="n/a", client_status="-", client_package="-"):
        print_result(self.result, "0x%08x" % self.status, messages, client_status, client_package)

    def close(self):
        self.sock.close()


def print_result(server_result, status, messages="n/a", client_status="-", client_package="-"):
    """wire_print_result's line: status to cb from the server's RESULT text
    (key=value lines; status falls back to the one given, the others to
    "-"), with spaces made safe."""
    values = {}
    for line in server_result.splitlines():
        key, _, value = line.partition("=")
        values.setdefault(key, value.replace(" ", "_"))

    def value(key, absent="-"):
        return values.get(key) or absent

    print("RESULT status=%s package=%s form=%s user=%s cb=%s messages=%s client_status=%s "
          "client_package=%s" % (value("status", status), value("package"), value("form"),
                                 value("user"), value("cb"), messages, client_status,
                                 client_package))
    sys.stdout.flush()
