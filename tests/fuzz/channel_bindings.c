/*
 * channel_bindings.c - fuzz target: channel_bindings_parse() and the copy
 * context_take_bindings() keeps.  The input is the SECBUFFER_CHANNEL_BINDINGS
 * contents; libFuzzer hands it over in an allocation of exactly that size,
 * so any read past cbBuffer is an ASan report.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void check_part(const gss_buffer_desc *part, const uint8_t *data, size_t size)
{
    if (part->length == 0) {
        FUZZ_CHECK(part->value == NULL);
        return;
    }
    /* Past the 32-byte header and inside the buffer. */
    FUZZ_CHECK(fuzz_inside(part->value, part->length, data, size));
    FUZZ_CHECK((const uint8_t *)part->value >= data + sizeof(SEC_CHANNEL_BINDINGS));
}

static void check_copy(const gss_buffer_desc *copy, const gss_buffer_desc *orig)
{
    FUZZ_CHECK(copy->length == orig->length);
    FUZZ_CHECK(copy->length == 0 || memcmp(copy->value, orig->value, copy->length) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SecBuffer buf = {(ULONG)size, SECBUFFER_CHANNEL_BINDINGS, size ? (void *)data : NULL};
    struct gss_channel_bindings_struct cb;
    if (size > UINT32_MAX)
        return 0;
    SECURITY_STATUS status = channel_bindings_parse(&buf, &cb);
    FUZZ_CHECK(status == SEC_E_OK || status == SEC_E_BAD_BINDINGS);
    if (status != SEC_E_OK)
        return 0;
    check_part(&cb.initiator_address, data, size);
    check_part(&cb.acceptor_address, data, size);
    check_part(&cb.application_data, data, size);

    /* The private copy a context keeps must hold the same bytes. */
    struct sspi_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    SecBufferDesc desc = {SECBUFFER_VERSION, 1, &buf};
    struct step_io io = {.fn = "fuzz", .pInput = &desc};
    status = context_take_bindings(&ctx, &io);
    FUZZ_CHECK(status == SEC_E_OK && ctx.bindings != NULL);
    FUZZ_CHECK(ctx.bindings->initiator_addrtype == cb.initiator_addrtype);
    FUZZ_CHECK(ctx.bindings->acceptor_addrtype == cb.acceptor_addrtype);
    check_copy(&ctx.bindings->initiator_address, &cb.initiator_address);
    check_copy(&ctx.bindings->acceptor_address, &cb.acceptor_address);
    check_copy(&ctx.bindings->application_data, &cb.application_data);
    free(ctx.bindings);
    return 0;
}
