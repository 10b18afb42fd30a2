/* windows_logon_info.c - see windows_logon_info.h. */
#include "windows_logon_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "windows_keytab.h"

#define LOGON_INFO_ATTR "urn:mspac:logon-info"

void *windows_logon_info(const char *dir, const char *file, size_t *len, char *why, size_t why_size)
{
    OM_uint32 major, minor = 0;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_name_t client = GSS_C_NO_NAME;
    gss_buffer_desc reply = GSS_C_EMPTY_BUFFER, value = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc display = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc attr = {sizeof(LOGON_INFO_ATTR) - 1, LOGON_INFO_ATTR};
    int authenticated = 0, complete = 0, more = -1;
    void *copy = NULL;
    size_t token_len;
    unsigned char *token = windows_read(dir, file, &token_len);
    if (token == NULL) {
        snprintf(why, why_size, "%s: cannot read it from %s", file, dir);
        goto out;
    }
    gss_buffer_desc in = {token_len, token};
    major =
        gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in, GSS_C_NO_CHANNEL_BINDINGS,
                               &client, NULL, &reply, NULL, NULL, NULL);
    if (major != GSS_S_COMPLETE) {
        snprintf(why, why_size, "%s: accept 0x%x/%u", file, major, minor);
        goto out;
    }
    major = gss_get_name_attribute(&minor, client, &attr, &authenticated, &complete, &value,
                                   &display, &more);
    if (major != GSS_S_COMPLETE) {
        snprintf(why, why_size, "%s: %s 0x%x/%u", file, LOGON_INFO_ATTR, major, minor);
        goto out;
    }
    if (!authenticated) {
        snprintf(why, why_size, "%s: the PAC did not verify", file);
        goto out;
    }
    copy = malloc(value.length ? value.length : 1);
    if (copy == NULL) {
        snprintf(why, why_size, "%s: out of memory", file);
        goto out;
    }
    memcpy(copy, value.value, value.length);
    *len = value.length;
out:
    gss_release_buffer(&minor, &value);
    gss_release_buffer(&minor, &display);
    gss_release_buffer(&minor, &reply);
    gss_release_name(&minor, &client);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    free(token);
    return copy;
}
