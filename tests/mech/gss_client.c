/*
 * gss_client.c - a plain GSS-API initiator speaking tests/mech/wire.h on
 * stdin/stdout.  Built twice: against MIT (make) and, by ntlmv1.sh, against
 * Heimdal (pkg-config heimdal-gssapi), whose NTLM initiator sends NTLMv1
 * only and reads its credentials from NTLM_USER_FILE, picking the line of
 * the domain named by the target host's second label.
 *
 *   gss-client [--mech krb5|spnego|ntlm] [--user U --password P]
 *              [--cb APPLICATION-DATA] [--flags N] SERVICE@HOST
 */
#include <gssapi/gssapi.h>
#ifndef GSSAPI_GSSAPI_H_       /* not Heimdal */
#include <gssapi/gssapi_ext.h> /* MIT declares the extensions there */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void fail(const char *what, OM_uint32 major, OM_uint32 minor)
{
    char text[256];
    snprintf(text, sizeof(text), "client %s: major 0x%x minor 0x%x", what, (unsigned)major,
             (unsigned)minor);
    wire_send_text(stdout, 'E', text);
    fprintf(stderr, "%s\n", text);
    exit(1);
}

int main(int argc, char **argv)
{
    OM_uint32 major, minor, flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG;
    gss_OID mech = wire_mech_by_name("spnego");
    const char *user = NULL, *password = NULL, *cb = NULL, *target = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mech") == 0 && i + 1 < argc) {
            gss_OID named = wire_mech_by_name(argv[++i]);
            mech = named != NULL ? named : mech;
        } else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
            user = argv[++i];
        } else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
            password = argv[++i];
        } else if (strcmp(argv[i], "--cb") == 0 && i + 1 < argc) {
            cb = argv[++i];
        } else if (strcmp(argv[i], "--flags") == 0 && i + 1 < argc) {
            flags = (OM_uint32)strtoul(argv[++i], NULL, 0);
        } else {
            target = argv[i];
        }
    }
    if (target == NULL) {
        fprintf(stderr, "usage: gss-client [--mech M] [--user U --password P] [--cb D] "
                        "SERVICE@HOST\n");
        return 2;
    }

    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc tb = {strlen(target), (void *)target};
    major = gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE, &name);
    if (GSS_ERROR(major))
        fail("import_name", major, minor);

    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    if (user != NULL && password != NULL) {
        gss_name_t uname = GSS_C_NO_NAME;
        gss_buffer_desc ub = {strlen(user), (void *)user},
                        pb = {strlen(password), (void *)password};
        gss_OID_set_desc set = {1, mech};
        major = gss_import_name(&minor, &ub, GSS_C_NT_USER_NAME, &uname);
        if (GSS_ERROR(major))
            fail("import user", major, minor);
        major = gss_acquire_cred_with_password(&minor, uname, &pb, 0, &set, GSS_C_INITIATE, &cred,
                                               NULL, NULL);
        if (GSS_ERROR(major))
            fail("acquire_cred_with_password", major, minor);
        gss_release_name(&minor, &uname);
    }

    struct gss_channel_bindings_struct bindings;
    gss_channel_bindings_t bound = wire_bindings(cb, &bindings);

    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    void *reply = NULL;
    for (;;) {
        major = gss_init_sec_context(&minor, cred, &ctx, name, mech, flags, 0, bound, &in, NULL,
                                     &out, NULL, NULL);
        free(reply);
        reply = NULL;
        if (GSS_ERROR(major))
            fail("init_sec_context", major, minor);
        if (out.length > 0)
            wire_send(stdout, 'T', out.value, out.length);
        gss_release_buffer(&minor, &out);
        if (!(major & GSS_S_CONTINUE_NEEDED)) {
            wire_send_text(stdout, 'D', "");
            break;
        }
        size_t len;
        char kind = wire_recv(stdin, &reply, &len);
        if (kind != 'T') {
            fprintf(stderr, "client: server said %c %s\n", kind ? kind : '-',
                    kind == 'E' ? (char *)reply : "");
            return 1;
        }
        in.value = reply;
        in.length = len;
    }
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &name);
    gss_release_cred(&minor, &cred);
    return 0;
}
