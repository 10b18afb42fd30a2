/*
 * adapter.c - what libgss-sspi costs over raw GSS calls for the same server
 * work, side by side in one process, for one mechanism:
 *
 *   bench-adapter krb5|ntlm [cpu]
 *
 * bench/adapter.sh runs it under callgrind; every figure is a pair of
 * segments (measure.h), the adapter's and raw GSS's (adapter_sides.c):
 *
 * - the whole server operation: the accept steps, their reply tokens
 *   released, the peer name released and the context deleted (one
 *   DeleteSecurityContext for the adapter), as a sequential server (no
 *   other security context alive: the client's is gone before the last
 *   step) and with contexts alive (the client's, and an established
 *   Kerberos context the server keeps for another connection);
 * - messages of 64 B, 1 KiB, 64 KiB and 1 MiB sealed, unsealed, signed and
 *   verified on an established server context.
 *
 * With cpu, no callgrind: the whole operations and the 1 MiB messages
 * again, natively, each side's median CPU time (user and kernel: page
 * faults, file reads), the sides taking turns; printed as report lines,
 * for information.
 *
 * The client is plain GSS, outside the segments.  Incoming messages lie as
 * Windows receivers lay them out: one receive buffer, the TOKEN first and
 * the DATA right after it.  Every segment runs once before it is counted,
 * so that first-use costs (loading gss-ntlmssp, a service ticket into the
 * ccache) are in neither side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "measure.h"

static gss_OID_desc krb5_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc ntlm_oid = {10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct mech {
    const char *arg;     /* on the command line */
    const char *package; /* SSPI package, and the figures' name */
    gss_OID oid;
    int legs; /* accept steps of a handshake */
    bool iov; /* GSS has IOV calls for it: a client wraps as Windows does */
    const struct side *raw;
};

static const struct mech mechs[] = {
    {"krb5", "Kerberos", &krb5_oid, 1, true, &side_raw_iov},
    {"ntlm", "NTLM", &ntlm_oid, 2, false, &side_raw_plain},
};

#define CLIENT_FLAGS                                                                               \
    (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |               \
     GSS_C_INTEG_FLAG)
#define WHOLE_N 10
#define MAX_MESSAGE (1024 * 1024)
#define ROOM 64 /* TOKEN room when the size is not known yet */

static const size_t message_sizes[] = {64, 1024, 64 * 1024, MAX_MESSAGE};
static const char *const size_names[] = {"64 B", "1 KiB", "64 KiB", "1 MiB"};
static const char *const op_names[OP_COUNT] = {
    [OP_SEAL] = "seal", [OP_UNSEAL] = "unseal", [OP_SIGN] = "sign", [OP_VERIFY] = "verify"};
static const bool op_incoming[OP_COUNT] = {[OP_UNSEAL] = true, [OP_VERIFY] = true};

struct bench {
    const struct mech *mech;
    gss_name_t target;
    gss_cred_id_t client_cred; /* NTLM: the test user's password; Kerberos: the ccache */
    CredHandle sspi_cred;
    gss_cred_id_t raw_cred;
    unsigned char *plain; /* what clients send */
    unsigned char *wire;  /* the server's message buffers */
};

_Noreturn void bench_die(const char *what, unsigned long major, unsigned long minor)
{
    fprintf(stderr, "bench: %s failed: 0x%lx/%lu\n", what, major, minor);
    exit(1);
}

static const char *env(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value != NULL ? value : fallback;
}

static gss_name_t import_name(const char *text, gss_OID type)
{
    OM_uint32 major, minor;
    gss_name_t name;
    gss_buffer_desc buf = {strlen(text), (void *)text};
    major = gss_import_name(&minor, &buf, type, &name);
    if (GSS_ERROR(major))
        bench_die("gss_import_name", major, minor);
    return name;
}

static gss_cred_id_t ntlm_client_cred(void)
{
    OM_uint32 major, minor;
    char user[256];
    const char *password = env("GSS_SSPI_TEST_PASSWORD", "Alice-Pass1");
    gss_buffer_desc pw = {strlen(password), (void *)password};
    gss_OID_set_desc set = {1, &ntlm_oid};
    gss_cred_id_t cred;
    snprintf(user, sizeof(user), "%s\\%s", env("GSS_SSPI_TEST_NTLM_DOMAIN", "GSSSSPI"),
             env("GSS_SSPI_TEST_USER", "alice"));
    gss_name_t name = import_name(user, GSS_C_NT_USER_NAME);
    major = gss_acquire_cred_with_password(&minor, name, &pw, 0, &set, GSS_C_INITIATE, &cred, NULL,
                                           NULL);
    if (GSS_ERROR(major))
        bench_die("gss_acquire_cred_with_password", major, minor);
    gss_release_name(&minor, &name);
    return cred;
}

/* The client's next token (plain GSS), from the server's last reply. */
static void client_step(const struct bench *b, gss_OID mech, gss_ctx_id_t *client,
                        const gss_buffer_desc *reply, gss_buffer_desc *token)
{
    OM_uint32 major, minor;
    gss_cred_id_t cred = mech == &ntlm_oid ? b->client_cred : GSS_C_NO_CREDENTIAL;
    major = gss_init_sec_context(&minor, cred, client, b->target, mech, CLIENT_FLAGS, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, (gss_buffer_t)reply, NULL, token, NULL,
                                 NULL);
    if (GSS_ERROR(major))
        bench_die("gss_init_sec_context", major, minor);
}

static void delete_context(gss_ctx_id_t *ctx)
{
    OM_uint32 minor;
    gss_delete_sec_context(&minor, ctx, GSS_C_NO_BUFFER);
}

static struct server server_for(const struct bench *b)
{
    return (struct server){.mech = b->mech,
                           .sspi_cred = (CredHandle *)&b->sspi_cred,
                           .gss_cred = b->raw_cred,
                           .gss = GSS_C_NO_CONTEXT,
                           .peer = GSS_C_NO_NAME};
}

/*
 * One connection's handshake on side, counted: each accept step, each
 * reply's release and, when finish, the connection's end.  A sequential
 * client is deleted once it has sent its last token.
 */
static void handshake(const struct bench *b, const struct side *side, struct server *s,
                      gss_ctx_id_t *client, bool sequential, bool finish)
{
    OM_uint32 minor;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    client_step(b, b->mech->oid, client, GSS_C_NO_BUFFER, &token);
    for (int leg = 0; leg < b->mech->legs; leg++) {
        bool last = leg == b->mech->legs - 1;
        if (last && sequential)
            delete_context(client);
        measure_start();
        bool done = side->accept(s, &token);
        measure_stop();
        gss_release_buffer(&minor, &token);
        if (done != last)
            bench_die("the handshake's length", 0, 0);
        /* Mutual authentication: the client takes the AP-REP too. */
        if (*client != GSS_C_NO_CONTEXT && s->reply.length > 0)
            client_step(b, b->mech->oid, client, &s->reply, &token);
        measure_start();
        side->release_reply(s);
        measure_stop();
    }
    gss_release_buffer(&minor, &token);
    if (finish) {
        measure_start();
        side->finish(s);
        measure_stop();
    }
}

/* One connection, start to end: the CPU time of its counted parts. */
static long long connection(const struct bench *b, const struct side *side, bool sequential)
{
    gss_ctx_id_t client = GSS_C_NO_CONTEXT;
    struct server s = server_for(b);
    measure_spent = 0;
    handshake(b, side, &s, &client, sequential, true);
    delete_context(&client);
    return measure_spent;
}

static const char *whole_name(const struct bench *b, bool sequential, char *buf, size_t size)
{
    snprintf(buf, size, "%s accept + release + delete, %s", b->mech->package,
             sequential ? "sequential server" : "contexts alive");
    return buf;
}

static void whole_operation(const struct bench *b, const struct side *side, bool sequential)
{
    char what[128];
    for (int i = 0; i <= WHOLE_N; i++) {
        if (i == 1)
            measure_discard(); /* the first was the warm-up */
        connection(b, side, sequential);
    }
    measure_dump("=1.03", whole_name(b, sequential, what, sizeof(what)), side->role, side->name,
                 WHOLE_N);
}

static gss_ctx_id_t resident_context(const struct bench *b);

/* ---- messages --------------------------------------------------------------------- */

/* The sizes callers give the buffers: QueryContextAttributes(SIZES). */
struct rooms {
    size_t trailer, signature, block;
};

/* A Kerberos wrap token as Windows lays it out (gss_wrap_iov with no
 * TRAILER: the CFX trailer rotated into the header), into the receive
 * buffer: header, then the sealed data. */
static void client_wrap_iov(const struct bench *b, gss_ctx_id_t client, struct message *m)
{
    OM_uint32 major, minor;
    gss_iov_buffer_desc iov[3] = {{GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                  {GSS_IOV_BUFFER_TYPE_DATA, {m->len, NULL}},
                                  {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}}};
    major = gss_wrap_iov_length(&minor, client, 1, GSS_C_QOP_DEFAULT, NULL, iov, 3);
    if (GSS_ERROR(major) || iov[2].buffer.length != 0 || iov[0].buffer.length > ROOM)
        bench_die("gss_wrap_iov_length (client; padding is not expected)", major, minor);
    m->token_len = iov[0].buffer.length;
    m->data = b->wire + m->token_len;
    memcpy(m->data, b->plain, m->len);
    iov[0].buffer.value = b->wire;
    iov[1].buffer.value = m->data;
    major = gss_wrap_iov(&minor, client, 1, GSS_C_QOP_DEFAULT, NULL, iov, 3);
    if (major != GSS_S_COMPLETE)
        bench_die("gss_wrap_iov (client)", major, minor);
}

/* The client's next message to the server, into the receive buffer. */
static void client_send(const struct bench *b, gss_ctx_id_t client, enum op op, size_t len,
                        struct message *m)
{
    OM_uint32 major, minor;
    gss_buffer_desc msg = {len, b->plain}, out = GSS_C_EMPTY_BUFFER;
    m->token = b->wire;
    m->len = len;
    if (op == OP_UNSEAL && b->mech->iov) {
        client_wrap_iov(b, client, m);
        return;
    }
    if (op == OP_UNSEAL)
        major = gss_wrap(&minor, client, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out);
    else
        major = gss_get_mic(&minor, client, GSS_C_QOP_DEFAULT, &msg, &out);
    if (major != GSS_S_COMPLETE)
        bench_die(op == OP_UNSEAL ? "gss_wrap (client)" : "gss_get_mic (client)", major, minor);
    /* NTLM: the signature, then the sealed data; a MIC, then the data. */
    m->token_len = op == OP_UNSEAL ? out.length - len : out.length;
    memcpy(b->wire, out.value, out.length);
    if (op == OP_VERIFY)
        memcpy(b->wire + out.length, b->plain, len);
    m->data = b->wire + m->token_len;
    gss_release_buffer(&minor, &out);
}

/* An outgoing message: TOKEN, DATA, PADDING with the rooms callers give. */
static void outgoing(const struct bench *b, enum op op, size_t len, const struct rooms *r,
                     struct message *m)
{
    m->token = b->wire;
    m->token_len = op == OP_SEAL ? r->trailer : r->signature;
    m->data = b->wire + ROOM;
    m->len = len;
    m->padding = m->data + len;
    m->padding_len = r->block;
}

/* One message through side: the CPU time of the counted call. */
static long long message_once(const struct bench *b, const struct side *side, struct server *s,
                              gss_ctx_id_t client, enum op op, size_t len, const struct rooms *r)
{
    struct message m = {0};
    if (op_incoming[op])
        client_send(b, client, op, len, &m);
    else
        outgoing(b, op, len, r, &m);
    measure_spent = 0;
    measure_start();
    side->ops[op](s, &m);
    measure_stop();
    return measure_spent;
}

static const char *message_name(const struct bench *b, enum op op, size_t size_index, char *buf,
                                size_t size)
{
    snprintf(buf, size, "%s %s %s", b->mech->package, op_names[op], size_names[size_index]);
    return buf;
}

static void message_figure(const struct bench *b, const struct side *side, struct server *s,
                           gss_ctx_id_t client, enum op op, size_t size_index,
                           const struct rooms *r)
{
    char what[128];
    size_t len = message_sizes[size_index];
    int n = len >= MAX_MESSAGE ? 3 : 10;
    memset(b->wire, 0x5a, ROOM + MAX_MESSAGE + ROOM);
    for (int i = 0; i <= n; i++) {
        if (i == 1)
            measure_discard(); /* the first was the warm-up */
        message_once(b, side, s, client, op, len, r);
    }
    measure_dump(len >= 1024 ? "=1.03" : "-", message_name(b, op, size_index, what, sizeof(what)),
                 side->role, side->name, n);
}

static struct rooms rooms_of(struct server *sspi_server)
{
    SecPkgContext_Sizes sizes;
    if (QueryContextAttributesA(&sspi_server->sspi, SECPKG_ATTR_SIZES, &sizes) != SEC_E_OK)
        bench_die("QueryContextAttributes(SIZES)", 0, 0);
    if (sizes.cbSecurityTrailer > ROOM || sizes.cbMaxSignature > ROOM || sizes.cbBlockSize > ROOM)
        bench_die("a token larger than the bench's room", sizes.cbSecurityTrailer, 0);
    return (struct rooms){sizes.cbSecurityTrailer, sizes.cbMaxSignature, sizes.cbBlockSize};
}

/* Both sides' established connections, for messages. */
struct pairs {
    const struct side *sides[2];
    struct server servers[2];
    gss_ctx_id_t clients[2];
    struct rooms rooms;
};

static void pairs_open(const struct bench *b, struct pairs *p)
{
    p->sides[0] = &side_sspi;
    p->sides[1] = b->mech->raw;
    for (int k = 0; k < 2; k++) {
        p->servers[k] = server_for(b);
        p->clients[k] = GSS_C_NO_CONTEXT;
        handshake(b, p->sides[k], &p->servers[k], &p->clients[k], false, false);
    }
    measure_discard();
    p->rooms = rooms_of(&p->servers[0]);
}

static void pairs_close(struct pairs *p)
{
    for (int k = 0; k < 2; k++) {
        p->sides[k]->finish(&p->servers[k]);
        delete_context(&p->clients[k]);
    }
}

static void messages(const struct bench *b)
{
    struct pairs p;
    pairs_open(b, &p);
    for (enum op op = 0; op < OP_COUNT; op++)
        for (size_t i = 0; i < sizeof(message_sizes) / sizeof(message_sizes[0]); i++)
            for (int k = 0; k < 2; k++)
                message_figure(b, p.sides[k], &p.servers[k], p.clients[k], op, i, &p.rooms);
    pairs_close(&p);
}

/* ---- CPU time (information) -------------------------------------------------- */

#define CPU_N 61

/* Report lines of one figure: each side's median CPU time.  The sides take
 * turns, operation by operation, each going first every other time, so
 * that the neighbours of a shared machine and the order weigh on both
 * alike. */
static void cpu_figure(const char *what, const struct side *const sides[2],
                       long long spent[2][CPU_N])
{
    for (int k = 0; k < 2; k++)
        printf("~1.03;%s, CPU time user + kernel;%s;%s;1;%lld;ns (median)\n", what, sides[k]->role,
               sides[k]->name, measure_median(spent[k], CPU_N));
}

static void cpu_times(const struct bench *b)
{
    const struct side *sides[2] = {&side_sspi, b->mech->raw};
    long long spent[2][CPU_N];
    char what[128];
    for (int sequential = 1; sequential >= 0; sequential--) {
        gss_ctx_id_t resident = sequential ? GSS_C_NO_CONTEXT : resident_context(b);
        for (int i = -1; i < CPU_N; i++) /* -1: the warm-up */
            for (int j = 0; j < 2; j++) {
                int k = (i + j) & 1;
                long long t = connection(b, sides[k], sequential);
                if (i >= 0)
                    spent[k][i] = t;
            }
        delete_context(&resident);
        cpu_figure(whole_name(b, sequential, what, sizeof(what)), sides, spent);
    }
    struct pairs p;
    size_t last = sizeof(message_sizes) / sizeof(message_sizes[0]) - 1;
    pairs_open(b, &p);
    for (enum op op = 0; op < OP_COUNT; op++) {
        for (int i = -1; i < CPU_N; i++)
            for (int j = 0; j < 2; j++) {
                int k = (i + j) & 1;
                long long t = message_once(b, p.sides[k], &p.servers[k], p.clients[k], op,
                                           message_sizes[last], &p.rooms);
                if (i >= 0)
                    spent[k][i] = t;
            }
        cpu_figure(message_name(b, op, last, what, sizeof(what)), sides, spent);
    }
    pairs_close(&p);
}

/* ---- setup ---------------------------------------------------------------------- */

static void setup(struct bench *b)
{
    OM_uint32 major, minor;
    TimeStamp ts;
    char target[256];
    gss_OID_set_desc set = {1, b->mech->oid};
    snprintf(target, sizeof(target), "HTTP@%s", env("GSS_SSPI_TEST_HOST", "server.gss-sspi.test"));
    b->target = import_name(target, GSS_C_NT_HOSTBASED_SERVICE);
    b->client_cred = b->mech->oid == &ntlm_oid ? ntlm_client_cred() : GSS_C_NO_CREDENTIAL;
    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)b->mech->package, SECPKG_CRED_INBOUND, NULL,
                                  NULL, NULL, NULL, &b->sspi_cred, &ts) != SEC_E_OK)
        bench_die("AcquireCredentialsHandle", 0, 0);
    major =
        gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_ACCEPT, &b->raw_cred, NULL, NULL);
    if (GSS_ERROR(major))
        bench_die("gss_acquire_cred", major, minor);
    b->plain = malloc(MAX_MESSAGE);
    b->wire = malloc(ROOM + MAX_MESSAGE + ROOM);
    if (b->plain == NULL || b->wire == NULL)
        bench_die("malloc", 0, 0);
    for (size_t i = 0; i < MAX_MESSAGE; i++)
        b->plain[i] = (unsigned char)(i * 131 + 7);
}

/* Another connection's established Kerberos context, kept by the server. */
static gss_ctx_id_t resident_context(const struct bench *b)
{
    OM_uint32 major, minor;
    gss_ctx_id_t client = GSS_C_NO_CONTEXT, server = GSS_C_NO_CONTEXT;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER, reply = GSS_C_EMPTY_BUFFER;
    client_step(b, &krb5_oid, &client, GSS_C_NO_BUFFER, &token);
    major = gss_accept_sec_context(&minor, &server, GSS_C_NO_CREDENTIAL, &token,
                                   GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &reply, NULL, NULL, NULL);
    if (major != GSS_S_COMPLETE)
        bench_die("gss_accept_sec_context (resident)", major, minor);
    gss_release_buffer(&minor, &token);
    gss_release_buffer(&minor, &reply);
    delete_context(&client);
    return server;
}

static void teardown(struct bench *b)
{
    OM_uint32 minor;
    gss_release_name(&minor, &b->target);
    gss_release_cred(&minor, &b->client_cred);
    gss_release_cred(&minor, &b->raw_cred);
    FreeCredentialsHandle(&b->sspi_cred);
    free(b->plain);
    free(b->wire);
}

int main(int argc, char **argv)
{
    struct bench b = {.mech = NULL};
    bool cpu = argc == 3 && strcmp(argv[2], "cpu") == 0;
    for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
        if ((argc == 2 || cpu) && strcmp(argv[1], mechs[i].arg) == 0)
            b.mech = &mechs[i];
    if (b.mech == NULL) {
        fprintf(stderr, "usage: %s krb5|ntlm [cpu]\n", argv[0]);
        return 2;
    }
    setup(&b);
    if (cpu) {
        cpu_times(&b);
        teardown(&b);
        return 0;
    }
    const struct side *sides[2] = {&side_sspi, b.mech->raw};
    for (int k = 0; k < 2; k++)
        whole_operation(&b, sides[k], true);
    gss_ctx_id_t resident = resident_context(&b);
    for (int k = 0; k < 2; k++)
        whole_operation(&b, sides[k], false);
    delete_context(&resident);
    messages(&b);
    teardown(&b);
    printf("bench: %s done\n", b.mech->package);
    return 0;
}
