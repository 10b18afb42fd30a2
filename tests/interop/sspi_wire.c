/* sspi_wire.c - see sspi_wire.h. */
#include "sspi_wire.h"

#include <stdlib.h>
#include <string.h>

unsigned char *sspi_channel_bindings(const char *app_data, ULONG *len)
{
    size_t n = strlen(app_data);
    unsigned char *blob = calloc(1, sizeof(SEC_CHANNEL_BINDINGS) + n);
    if (blob == NULL)
        return NULL;
    SEC_CHANNEL_BINDINGS *h = (SEC_CHANNEL_BINDINGS *)blob;
    h->cbApplicationDataLength = (ULONG)n;
    h->dwApplicationDataOffset = sizeof(*h);
    memcpy(blob + sizeof(*h), app_data, n);
    *len = (ULONG)(sizeof(*h) + n);
    return blob;
}

SECURITY_STATUS sspi_protect(CtxtHandle *ctx, const SecPkgContext_Sizes *sizes, unsigned char type,
                             const unsigned char *data, ULONG len, struct sspi_message *out)
{
    memset(out, 0, sizeof(*out));
    out->desc.ulVersion = SECBUFFER_VERSION;
    out->desc.pBuffers = out->bufs;
    if (type == WIRE_SEAL) {
        unsigned char *token = out->memory[0] = malloc(sizes->cbSecurityTrailer + 1);
        unsigned char *copy = out->memory[1] = malloc(len + 1);
        unsigned char *padding = out->memory[2] = malloc(sizes->cbBlockSize + 1);
        if (token == NULL || copy == NULL || padding == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        memcpy(copy, data, len);
        out->bufs[0] = (SecBuffer){sizes->cbSecurityTrailer, SECBUFFER_TOKEN, token};
        out->bufs[1] = (SecBuffer){len, SECBUFFER_DATA, copy};
        out->bufs[2] = (SecBuffer){sizes->cbBlockSize, SECBUFFER_PADDING, padding};
        out->desc.cBuffers = 3;
        return EncryptMessage(ctx, 0, &out->desc, 0);
    }
    unsigned char *signature = out->memory[0] = malloc(sizes->cbMaxSignature + 1);
    if (signature == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    out->bufs[0] = (SecBuffer){len, SECBUFFER_DATA, (void *)data};
    out->bufs[1] = (SecBuffer){sizes->cbMaxSignature, SECBUFFER_TOKEN, signature};
    out->desc.cBuffers = 2;
    return MakeSignature(ctx, 0, &out->desc, 0);
}

void sspi_message_to_wire(const struct sspi_message *m, struct wire_msg *w)
{
    w->count = m->desc.cBuffers;
    for (ULONG i = 0; i < m->desc.cBuffers; i++)
        w->bufs[i] =
            (struct wire_buf){m->bufs[i].BufferType, m->bufs[i].cbBuffer, m->bufs[i].pvBuffer};
}

void sspi_message_free(struct sspi_message *m)
{
    for (int i = 0; i < 3; i++)
        free(m->memory[i]);
    memset(m, 0, sizeof(*m));
}

SECURITY_STATUS sspi_open(CtxtHandle *ctx, unsigned char type, struct wire_msg *m,
                          struct sspi_received *r)
{
    ULONG qop = 0;
    r->desc.ulVersion = SECBUFFER_VERSION;
    r->desc.cBuffers = 0;
    r->desc.pBuffers = r->bufs;
    for (uint32_t i = 0; i < m->count; i++)
        r->bufs[r->desc.cBuffers++] = (SecBuffer){m->bufs[i].len, m->bufs[i].type, m->bufs[i].data};
    if (wire_msg_find(m, WIRE_BUF_STREAM) != NULL)
        r->bufs[r->desc.cBuffers++] = (SecBuffer){0, SECBUFFER_DATA, NULL};
    SECURITY_STATUS s = type == WIRE_SEAL ? DecryptMessage(ctx, &r->desc, 0, &qop)
                                          : VerifySignature(ctx, &r->desc, 0, &qop);
    r->data = NULL;
    for (ULONG i = 0; i < r->desc.cBuffers && r->data == NULL; i++)
        if ((r->bufs[i].BufferType & ~SECBUFFER_ATTRMASK) == SECBUFFER_DATA)
            r->data = &r->bufs[i];
    return s;
}
