/*
 * gss_acceptor.c - a plain GSS-API acceptor (no libgss-sspi): it runs the
 * client command given after "--" with pipes, speaks tests/mech/wire.h
 * with it, and prints one result line:
 *
 *   accept: result=ok client=NAME mech=OID flags=0xN package=P form=F ntlm=V cb=C
 *   accept: result=refused major=0xN minor=0xN text="..."
 *
 * package/form/ntlm/cb come from the interposer's extension OIDs when it is
 * loaded ("-" otherwise).  Exit status 0 accepted, 1 refused, 2 usage.
 *
 *   gss-acceptor [--cb APPLICATION-DATA] [--cred spnego|krb5|ntlm] -- CLIENT...
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gss-sspi-mech.h"
#include "wire.h"

static void status_text(OM_uint32 code, int type, char *buf, size_t size)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc t = GSS_C_EMPTY_BUFFER;
    buf[0] = '\0';
    if (!GSS_ERROR(gss_display_status(&minor, code, type, GSS_C_NO_OID, &ctx, &t))) {
        snprintf(buf, size, "%.*s", (int)t.length, (char *)t.value);
        gss_release_buffer(&minor, &t);
    }
}

static uint32_t le32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* What the interposer says about the context, if it is there. */
static void print_extensions(gss_ctx_id_t ctx)
{
    OM_uint32 minor;
    gss_OID_desc info = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN,
                         GSS_SSPI_NEGOTIATE_OID_NEGOTIATION_INFO_DER};
    gss_OID_desc cb = {GSS_SSPI_NEGOTIATE_EXT_OID_LEN, GSS_SSPI_NEGOTIATE_OID_CHANNEL_BINDINGS_DER};
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    static const char *const packages[] = {"-", "Kerberos", "NTLM"};
    static const char *const forms[] = {"raw", "SPNEGO"};
    if (!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, ctx, &info, &set)) && set->count == 3 &&
        set->elements[0].length == 16) {
        uint32_t pkg = le32(set->elements[0].value),
                 form = le32((char *)set->elements[0].value + 4);
        printf(" package=%s form=%s ntlm=%u", pkg < 3 ? packages[pkg] : "?",
               form < 2 ? forms[form] : "?", (unsigned)le32((char *)set->elements[0].value + 8));
    } else {
        printf(" package=- form=- ntlm=-");
    }
    gss_release_buffer_set(&minor, &set);
    if (!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, ctx, &cb, &set)) && set->count == 1 &&
        set->elements[0].length == 8)
        printf(" cb=%u", (unsigned)le32(set->elements[0].value));
    else
        printf(" cb=-");
    gss_release_buffer_set(&minor, &set);
}

int main(int argc, char **argv)
{
    OM_uint32 major = GSS_S_FAILURE, minor = 0, flags = 0;
    const char *cb = NULL, *cred_mech = NULL;
    int i;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--cb") == 0 && i + 1 < argc)
            cb = argv[++i];
        else if (strcmp(argv[i], "--cred") == 0 && i + 1 < argc)
            cred_mech = argv[++i];
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: gss-acceptor [--cb DATA] [--cred MECH] -- CLIENT...\n");
        return 2;
    }
    char **client_argv = argv + i + 1;

    int to_client[2], from_client[2];
    if (pipe(to_client) != 0 || pipe(from_client) != 0)
        return 2;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(to_client[0], 0);
        dup2(from_client[1], 1);
        close(to_client[1]);
        close(from_client[0]);
        execvp(client_argv[0], client_argv);
        perror(client_argv[0]);
        _exit(127);
    }
    close(to_client[0]);
    close(from_client[1]);
    signal(SIGPIPE, SIG_IGN);
    FILE *in = fdopen(from_client[0], "r"), *out = fdopen(to_client[1], "w");

    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_OID cred_oid = cred_mech != NULL ? wire_mech_by_name(cred_mech) : NULL;
    if (cred_oid != NULL) {
        gss_OID_set_desc set = {1, cred_oid};
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, 0, &set, GSS_C_ACCEPT, &cred, NULL, NULL);
        if (GSS_ERROR(major))
            fprintf(stderr, "acceptor: acquire_cred(%s) failed\n", cred_mech);
    }

    struct gss_channel_bindings_struct bindings;
    gss_channel_bindings_t bound = wire_bindings(cb, &bindings);

    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_name_t client = GSS_C_NO_NAME;
    gss_OID mech = GSS_C_NO_OID;
    bool complete = false, failed = false;
    major = GSS_S_FAILURE;
    for (;;) {
        void *token;
        size_t len;
        char kind = wire_recv(in, &token, &len);
        if (kind != 'T') {
            if (kind == 'E')
                fprintf(stderr, "acceptor: client said: %s\n", (char *)token);
            free(token);
            break;
        }
        if (complete) { /* nothing more to accept */
            free(token);
            continue;
        }
        gss_buffer_desc tok = {len, token}, reply = GSS_C_EMPTY_BUFFER;
        gss_release_name(&minor, &client);
        major = gss_accept_sec_context(&minor, &ctx, cred, &tok, bound, &client, &mech, &reply,
                                       &flags, NULL, NULL);
        free(token);
        if (GSS_ERROR(major)) {
            OM_uint32 tmp;
            wire_send_text(out, 'E', "refused");
            gss_release_buffer(&tmp, &reply);
            failed = true;
            break;
        }
        complete = !(major & GSS_S_CONTINUE_NEEDED);
        wire_send(out, 'T', reply.value, reply.length);
        gss_release_buffer(&minor, &reply);
    }
    fclose(out);

    int rc;
    if (complete && !failed) {
        gss_buffer_desc name = GSS_C_EMPTY_BUFFER, oid = GSS_C_EMPTY_BUFFER;
        gss_display_name(&minor, client, &name, NULL);
        gss_oid_to_str(&minor, mech, &oid);
        printf("accept: result=ok client=%.*s mech=%.*s flags=0x%x", (int)name.length,
               (char *)name.value, (int)oid.length, (char *)oid.value, (unsigned)flags);
        print_extensions(ctx);
        printf("\n");
        gss_release_buffer(&minor, &name);
        gss_release_buffer(&minor, &oid);
        rc = 0;
    } else {
        char mt[256], nt[256];
        status_text(major, GSS_C_GSS_CODE, mt, sizeof(mt));
        status_text(minor, GSS_C_MECH_CODE, nt, sizeof(nt));
        printf("accept: result=refused major=0x%x minor=0x%x text=\"%s; %s\"\n", (unsigned)major,
               (unsigned)minor, mt, nt);
        rc = 1;
    }
    fflush(stdout);
    gss_release_name(&minor, &client);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    gss_release_cred(&minor, &cred);
    fclose(in);
    int status;
    waitpid(pid, &status, 0);
    return rc;
}
