/*
 * spnego_init.c - fuzz target: the module's SPNEGO reader (spnego_is_initial,
 * spnego_parse_init) and what the initiator does with a server's
 * NegTokenInit2 mechanism list (neg_mechs_for, which copies OIDs that point
 * into the token).  The input is one SPNEGO token.
 */
#include <string.h>

#include "fuzz.h"
#include "mech_internal.h"

static struct policy *policy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    policy = policy_parse("", 0, "(fuzz defaults)");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spnego_init init;
    bool initial = spnego_is_initial(data, size);
    if (!spnego_parse_init(data, size, &init))
        return 0;
    FUZZ_CHECK(initial);
    FUZZ_CHECK(init.mech_count > 0 && init.mech_count <= SPNEGO_MAX_MECHS);
    for (size_t i = 0; i < init.mech_count; i++)
        FUZZ_CHECK(init.mechs[i].length > 0 &&
                   fuzz_inside(init.mechs[i].elements, init.mechs[i].length, data, size));

    OM_uint32 minor;
    gss_OID_set order = GSS_C_NO_OID_SET;
    if (neg_mechs_for(&minor, policy, &init, &order) == GSS_S_COMPLETE) {
        /* Only mechanisms the server listed, each once. */
        FUZZ_CHECK(order != GSS_C_NO_OID_SET && order->count <= init.mech_count);
        for (size_t i = 0; i < order->count; i++) {
            bool listed = false;
            for (size_t j = 0; j < init.mech_count; j++)
                listed = listed || oid_equal(&order->elements[i], &init.mechs[j]);
            FUZZ_CHECK(listed);
        }
        gss_release_oid_set(&minor, &order);
    }
    return 0;
}
