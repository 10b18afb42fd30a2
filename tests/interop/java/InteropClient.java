/*
 * InteropClient.java - Java's own GSS-API (JGSS: the JDK's pure-Java Kerberos
 * and SPNEGO, as Java HTTP and LDAP clients use them) against interop-server,
 * over the framing of wire.h.  Compiled at test time with javac.
 *
 *   java -Djava.security.krb5.conf=KRB5_CONF -Djava.security.auth.login.config=JAAS_CONF
 *        -Djavax.security.auth.useSubjectCredsOnly=false InteropClient
 *        --port N --mech krb5|spnego --target service@host
 *        [--cb TEXT] [--no-messages] [--hello key=value]...
 *
 * The initiator credential comes from JAAS: JGSS logs in itself with the
 * JAAS_CONF entry com.sun.security.jgss.krb5.initiate (the runner's:
 * Krb5LoginModule reading the realm's MIT ccache), as Java HTTP and LDAP
 * clients configure it.  --cb sets channel bindings with application data only
 * (org.ietf.jgss.ChannelBinding with no addresses).  Messages: wrap/getMIC
 * each test message, the server opens it with DecryptMessage/VerifySignature
 * and answers with EncryptMessage/MakeSignature output, which must
 * unwrap/verifyMIC back to the same bytes (wire.h).
 *
 * Prints the RESULT line of wire.h.
 */

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ietf.jgss.ChannelBinding;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.MessageProp;
import org.ietf.jgss.Oid;

public final class InteropClient {
    /* wire.h */
    static final int HELLO = 'H', TOKEN = 'T', REPLY = 'A', RESULT = 'R', SEAL = 'E', SIGN = 'S';
    static final int BUF_DATA = 1, BUF_TOKEN = 2, BUF_STREAM = 10;
    static final int SEC_I_CONTINUE_NEEDED = 0x00090312;
    static final int[] MESSAGE_LENGTHS = {1, 13, 1000, 20000};

    static final Map<String, String> MECHS =
        Map.of("krb5", "1.2.840.113554.1.2.2", "spnego", "1.3.6.1.5.5.2");

    private final DataInputStream in;
    private final DataOutputStream out;
    private int serverStatus = SEC_I_CONTINUE_NEEDED;
    private String serverResult = "";

    InteropClient(Socket s) throws IOException {
        in = new DataInputStream(s.getInputStream());
        out = new DataOutputStream(s.getOutputStream());
    }

    /* A frame, or a SecBuffer of a message: a type and its bytes. */
    static final class Part {
        final int type;
        final byte[] data;

        Part(int type, byte[] data) {
            this.type = type;
            this.data = data;
        }
    }

    void send(int type, byte[] payload) throws IOException {
        out.writeByte(type);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    Part recv() throws IOException {
        int type = in.readUnsignedByte();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new Part(type, data);
    }

    /* Our TOKEN, the server's REPLY token; then its RESULT once it is done. */
    byte[] exchange(byte[] token) throws IOException {
        send(TOKEN, token);
        Part f = recv();
        if (f.type != REPLY || f.data.length < 4)
            throw new IOException("expected a REPLY frame");
        serverStatus = java.nio.ByteBuffer.wrap(f.data).getInt();
        System.err.printf("java-client: sent %d bytes, server 0x%08x with %d bytes%n",
                          token.length, serverStatus, f.data.length - 4);
        if (serverStatus != SEC_I_CONTINUE_NEEDED) {
            Part r = recv();
            if (r.type == RESULT) {
                serverResult = new String(r.data, StandardCharsets.UTF_8);
                System.err.print("server result:\n" + serverResult);
            }
        }
        return Arrays.copyOfRange(f.data, 4, f.data.length);
    }

    List<Part> roundTrip(int type, List<Part> bufs) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bytes);
        d.writeInt(0);
        d.writeInt(bufs.size());
        for (Part b : bufs) {
            d.writeInt(b.type);
            d.writeInt(b.data.length);
            d.write(b.data);
        }
        send(type, bytes.toByteArray());
        Part f = recv();
        DataInputStream r = new DataInputStream(new java.io.ByteArrayInputStream(f.data));
        int status = r.readInt(), count = r.readInt();
        if (f.type != type || status != 0)
            throw new IOException(String.format("the server answered 0x%08x", status));
        List<Part> reply = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int btype = r.readInt();
            byte[] data = new byte[r.readInt()];
            r.readFully(data);
            reply.add(new Part(btype, data));
        }
        return reply;
    }

    static byte[] testMessage(int i) {
        byte[] m = new byte[MESSAGE_LENGTHS[i]];
        for (int k = 0; k < m.length; k++)
            m[k] = (byte) ('A' + (k * 7 + i) % 26);
        return m;
    }

    static byte[] find(List<Part> bufs, int type) {
        for (Part b : bufs)
            if (b.type == type)
                return b.data;
        return null;
    }

    /* initSecContext with the server's tokens until both sides are done;
     * returns the client's status. */
    String handshake(GSSContext ctx) throws IOException {
        byte[] token = new byte[0];
        try {
            while (true) {
                token = ctx.initSecContext(token, 0, token.length);
                if (token == null || token.length == 0 || serverStatus != SEC_I_CONTINUE_NEEDED)
                    break;
                token = exchange(token);
                if (serverStatus != SEC_I_CONTINUE_NEEDED
                    && (ctx.isEstablished() || token.length == 0 || serverStatus != 0))
                    break;
            }
        } catch (GSSException e) {
            System.err.println("java-client: initSecContext: " + e);
            return "GSSException(" + e.getMajorString().replace(' ', '_') + ")";
        }
        return ctx.isEstablished() ? "GSS_S_COMPLETE" : "GSS_S_CONTINUE_NEEDED";
    }

    /* wrap -> server -> TOKEN|DATA|PADDING joined -> unwrap; getMIC -> server -> verifyMIC. */
    String runMessages(GSSContext ctx) {
        int done = 0, total = 2 * MESSAGE_LENGTHS.length;
        for (int i = 0; i < MESSAGE_LENGTHS.length; i++) {
            byte[] msg = testMessage(i);
            for (String kind : new String[] {"seal", "sign"}) {
                try {
                    boolean ok;
                    if (kind.equals("seal")) {
                        byte[] wrapped = ctx.wrap(msg, 0, msg.length, new MessageProp(0, true));
                        List<Part> reply = roundTrip(SEAL, List.of(new Part(BUF_STREAM, wrapped)));
                        ByteArrayOutputStream joined = new ByteArrayOutputStream();
                        for (Part b : reply)
                            joined.write(b.data);
                        byte[] token = joined.toByteArray();
                        MessageProp prop = new MessageProp(0, true);
                        byte[] plain = ctx.unwrap(token, 0, token.length, prop);
                        ok = prop.getPrivacy() && Arrays.equals(plain, msg);
                    } else {
                        byte[] mic = ctx.getMIC(msg, 0, msg.length, new MessageProp(0, false));
                        List<Part> reply = roundTrip(
                            SIGN, List.of(new Part(BUF_DATA, msg), new Part(BUF_TOKEN, mic)));
                        byte[] data = find(reply, BUF_DATA), tok = find(reply, BUF_TOKEN);
                        ok = data != null && tok != null && Arrays.equals(data, msg);
                        if (ok)
                            ctx.verifyMIC(tok, 0, tok.length, data, 0, data.length,
                                          new MessageProp(0, false));
                    }
                    if (!ok)
                        throw new IOException("the server's answer did not open to our message");
                } catch (Exception e) {
                    System.err.printf("java-client: %s #%d: %s%n", kind, i, e);
                    return String.format("%d/%d(%s#%d)", done, total, kind, i);
                }
                done++;
            }
        }
        return String.format("%d/%d", done, total);
    }

    /* wire_print_result's line. */
    void printResult(String messages, String clientStatus, String clientPackage) {
        Map<String, String> v = new HashMap<>();
        for (String line : serverResult.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0)
                v.putIfAbsent(line.substring(0, eq), line.substring(eq + 1).replace(' ', '_'));
        }
        String status = v.getOrDefault("status", String.format("0x%08x", serverStatus));
        System.out.printf(
            "RESULT status=%s package=%s form=%s user=%s cb=%s messages=%s client_status=%s "
                + "client_package=%s%n",
            status, v.getOrDefault("package", "-"), v.getOrDefault("form", "-"),
            v.getOrDefault("user", "-"), v.getOrDefault("cb", "-"), messages, clientStatus,
            clientPackage);
        System.out.flush();
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> o = new HashMap<>();
        StringBuilder hello = new StringBuilder();
        boolean noMessages = false;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--no-messages"))
                noMessages = true;
            else if (argv[i].equals("--hello") && i + 1 < argv.length)
                hello.append(argv[++i]).append('\n');
            else if (argv[i].startsWith("--") && i + 1 < argv.length)
                o.put(argv[i].substring(2), argv[++i]);
            else
                throw new IllegalArgumentException("usage: see InteropClient.java");
        }
        Oid mech = new Oid(MECHS.get(o.get("mech")));
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(o.get("port")));
        socket.setSoTimeout(60000);
        InteropClient c = new InteropClient(socket);
        c.send(HELLO, hello.toString().getBytes(StandardCharsets.UTF_8));

        String clientStatus = "-", messages = "n/a";
        GSSContext ctx = null;
        try {
            GSSManager manager = GSSManager.getInstance();
            GSSName target = manager.createName(o.get("target"), GSSName.NT_HOSTBASED_SERVICE);
            ctx = manager.createContext(target, mech, null, GSSContext.DEFAULT_LIFETIME);
            ctx.requestMutualAuth(true);
            ctx.requestConf(true);
            ctx.requestInteg(true);
            ctx.requestReplayDet(true);
            ctx.requestSequenceDet(true);
            if (o.containsKey("cb"))
                ctx.setChannelBinding(new ChannelBinding(o.get("cb").getBytes(StandardCharsets.UTF_8)));
            clientStatus = c.handshake(ctx);
            if (!noMessages && ctx.isEstablished() && c.serverStatus == 0)
                messages = c.runMessages(ctx);
        } catch (Exception e) {
            System.err.println("java-client: " + e);
            clientStatus = "error:" + e.getClass().getSimpleName();
        }
        if (ctx != null)
            ctx.dispose();
        c.printResult(messages, clientStatus, o.get("mech"));
        socket.close();
    }
}
