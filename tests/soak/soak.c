/*
 * soak.c - handshakes in a loop through libgss-sspi, for tests/soak/soak.sh:
 * prints the process's resident set size after every `step` handshakes,
 * so that growth per handshake can be read off.
 *
 *   bench-soak krb5|ntlm COUNT STEP
 *
 * Both ends run in this process (InitializeSecurityContext against
 * AcceptSecurityContext, Negotiate acceptor, raw Kerberos or raw NTLM
 * client), inside the private realm of tests/with-realm.  Credentials are
 * acquired once, as a long-running server does; only contexts churn.
 * Whether the gss-sspi-negotiate module is loaded is the caller's choice
 * (GSS_MECH_CONFIG).  Nothing is asserted: soak.sh reads the figures.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#define REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define ASC (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL) {
        fprintf(stderr, "soak: %s is not set: run through tests/with-realm\n", name);
        exit(2);
    }
    return v;
}

/* Resident set size in kB (/proc/self/statm counts pages). */
static long rss_kb(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    if (f != NULL)
        fclose(f);
    return resident * 4;
}

static void acquire(const char *package, ULONG use, void *identity, CredHandle *cred)
{
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, use, NULL, identity,
                                                  NULL, NULL, cred, &ts);
    if (s != SEC_E_OK) {
        fprintf(stderr, "soak: %s credentials: 0x%08x\n", package, (unsigned)s);
        exit(1);
    }
}

/* One complete handshake; exits on any failure (a soak that fails
 * measures nothing). */
static void handshake(CredHandle *cc, CredHandle *sc, const char *target)
{
    CtxtHandle client, server;
    bool have_client = false, have_server = false;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    void *token = NULL;
    ULONG token_len = 0, attrs;
    TimeStamp ts;
    for (int leg = 0; leg < 6 && (cs == SEC_I_CONTINUE_NEEDED || ss == SEC_I_CONTINUE_NEEDED);
         leg++) {
        SecBuffer in = {token_len, SECBUFFER_TOKEN, token}, out = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_d = {SECBUFFER_VERSION, 1, &in}, out_d = {SECBUFFER_VERSION, 1, &out};
        if (leg % 2 == 0) {
            if (cs != SEC_I_CONTINUE_NEEDED)
                break;
            cs = InitializeSecurityContextA(cc, have_client ? &client : NULL, (SEC_CHAR *)target,
                                            REQ | ISC_REQ_ALLOCATE_MEMORY, 0,
                                            SECURITY_NATIVE_DREP, token ? &in_d : NULL, 0, &client,
                                            &out_d, &attrs, &ts);
            have_client = true;
            if (cs != SEC_E_OK && cs != SEC_I_CONTINUE_NEEDED) {
                fprintf(stderr, "soak: InitializeSecurityContext: 0x%08x\n", (unsigned)cs);
                exit(1);
            }
        } else {
            ss = AcceptSecurityContext(sc, have_server ? &server : NULL, &in_d,
                                       ASC | ASC_REQ_ALLOCATE_MEMORY, SECURITY_NATIVE_DREP,
                                       &server, &out_d, &attrs, &ts);
            have_server = true;
            if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
                fprintf(stderr, "soak: AcceptSecurityContext: 0x%08x\n", (unsigned)ss);
                exit(1);
            }
        }
        FreeContextBuffer(token);
        token = out.pvBuffer;
        token_len = out.cbBuffer;
        if (token_len == 0 && ss == SEC_E_OK)
            break;
    }
    FreeContextBuffer(token);
    if (ss != SEC_E_OK) {
        fprintf(stderr, "soak: handshake did not complete: 0x%08x\n", (unsigned)ss);
        exit(1);
    }
    DeleteSecurityContext(&client);
    DeleteSecurityContext(&server);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "krb5") != 0 && strcmp(argv[1], "ntlm") != 0)) {
        fprintf(stderr, "usage: bench-soak krb5|ntlm COUNT STEP\n");
        return 2;
    }
    bool ntlm = strcmp(argv[1], "ntlm") == 0;
    long count = atol(argv[2]), step = atol(argv[3]);
    CredHandle cc, sc;
    const char *user = env("GSS_SSPI_TEST_USER"), *domain = env("GSS_SSPI_TEST_NTLM_DOMAIN"),
               *password = env("GSS_SSPI_TEST_PASSWORD");
    SEC_WINNT_AUTH_IDENTITY_A id = {
        (unsigned char *)user,     (ULONG)strlen(user),     (unsigned char *)domain,
        (ULONG)strlen(domain),     (unsigned char *)password, (ULONG)strlen(password),
        SEC_WINNT_AUTH_IDENTITY_ANSI};
    acquire(ntlm ? "NTLM" : "Kerberos", SECPKG_CRED_OUTBOUND, ntlm ? &id : NULL, &cc);
    acquire("Negotiate", SECPKG_CRED_INBOUND, NULL, &sc);
    const char *target = env("GSS_SSPI_TEST_SPN");
    /* Warm-up: libraries, caches and arenas reach their working size. */
    for (long i = 0; i < step && i < count; i++)
        handshake(&cc, &sc, target);
    long base = rss_kb();
    printf("soak: %s: rss %ld kB after %ld warm-up handshakes\n", argv[1], base, step);
    for (long done = step; done < count;) {
        for (long i = 0; i < step && done < count; i++, done++)
            handshake(&cc, &sc, target);
        long now = rss_kb();
        printf("soak: %s: %ld handshakes: rss %ld kB (+%ld kB since warm-up)\n", argv[1], done,
               now, now - base);
        fflush(stdout);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return 0;
}
