/*
 * channel_bindings.c - SEC_CHANNEL_BINDINGS (DESIGN section 5).
 *
 * The structure is a 32-byte header of eight u32 fields followed by data;
 * offsets count from the start of the structure and cbBuffer bounds it all.
 * Anything outside is refused here, before GSS sees it.
 */
#include <string.h>

#include "internal.h"

struct cb_part {
    const char *what;
    size_t len_field, off_field; /* offsets of the ULONGs in the header */
};

static const struct cb_part cb_parts[] = {
    {"initiator address", offsetof(SEC_CHANNEL_BINDINGS, cbInitiatorLength),
     offsetof(SEC_CHANNEL_BINDINGS, dwInitiatorOffset)},
    {"acceptor address", offsetof(SEC_CHANNEL_BINDINGS, cbAcceptorLength),
     offsetof(SEC_CHANNEL_BINDINGS, dwAcceptorOffset)},
    {"application data", offsetof(SEC_CHANNEL_BINDINGS, cbApplicationDataLength),
     offsetof(SEC_CHANNEL_BINDINGS, dwApplicationDataOffset)},
};

static ULONG header_field(const unsigned char *base, size_t off)
{
    ULONG v;
    memcpy(&v, base + off, sizeof(v)); /* the caller's buffer may be unaligned */
    return v;
}

SECURITY_STATUS channel_bindings_parse(const SecBuffer *buf, struct gss_channel_bindings_struct *out)
{
    const unsigned char *base = buf->pvBuffer;
    gss_buffer_desc parts[3];

    memset(out, 0, sizeof(*out));
    if (base == NULL || buf->cbBuffer < sizeof(SEC_CHANNEL_BINDINGS)) {
        trace("channel bindings: buffer of %u bytes is smaller than the %zu-byte header",
              (unsigned)buf->cbBuffer, sizeof(SEC_CHANNEL_BINDINGS));
        return SEC_E_BAD_BINDINGS;
    }
    for (size_t i = 0; i < 3; i++) {
        ULONG len = header_field(base, cb_parts[i].len_field);
        ULONG off = header_field(base, cb_parts[i].off_field);
        parts[i].length = len;
        parts[i].value = NULL;
        if (len == 0)
            continue;
        /* 64-bit arithmetic: off + len cannot wrap. */
        if (off < sizeof(SEC_CHANNEL_BINDINGS) || (uint64_t)off + len > buf->cbBuffer) {
            trace("channel bindings: %s (offset %u, length %u) lies outside the %u-byte buffer",
                  cb_parts[i].what, (unsigned)off, (unsigned)len, (unsigned)buf->cbBuffer);
            return SEC_E_BAD_BINDINGS;
        }
        parts[i].value = (void *)(base + off);
    }
    out->initiator_addrtype = header_field(base, offsetof(SEC_CHANNEL_BINDINGS, dwInitiatorAddrType));
    out->initiator_address = parts[0];
    out->acceptor_addrtype = header_field(base, offsetof(SEC_CHANNEL_BINDINGS, dwAcceptorAddrType));
    out->acceptor_address = parts[1];
    out->application_data = parts[2];
    return SEC_E_OK;
}
