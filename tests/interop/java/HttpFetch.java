/*
 * HttpFetch.java - Java's own HTTP authentication (java.net.HttpURLConnection:
 * its pure-Java NTLM, or SPNEGO through JGSS) fetching one page, for
 * http_client.py.  Compiled at test time with javac.
 *
 *   java [-Dhttp.auth.preference=NTLM|SPNEGO] [-Djdk.net.hosts.file=FILE]
 *        [JGSS's -Djava.security.krb5.conf, -Djava.security.auth.login.config,
 *         -Djavax.security.auth.useSubjectCredsOnly=false]
 *        HttpFetch URL [DOMAIN\\USER PASSWORD]
 *
 * The user and password answer the NTLM challenge (java.net.Authenticator);
 * SPNEGO takes its credential from the JAAS entry
 * com.sun.security.jgss.krb5.initiate.  Prints the page, then "HTTP <code>".
 */

import java.io.InputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URL;

public final class HttpFetch {
    public static void main(String[] argv) throws Exception {
        if (argv.length == 3) {
            final String user = argv[1];
            final char[] password = argv[2].toCharArray();
            Authenticator.setDefault(new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    System.err.println("java-http: credentials asked for " + getRequestingScheme());
                    return new PasswordAuthentication(user, password);
                }
            });
        }
        HttpURLConnection c = (HttpURLConnection) new URL(argv[0]).openConnection();
        c.setConnectTimeout(30000);
        c.setReadTimeout(60000);
        int code = c.getResponseCode();
        try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null)
                System.out.print(new String(in.readAllBytes(), "UTF-8"));
        }
        System.out.println("\nHTTP " + code);
    }
}
