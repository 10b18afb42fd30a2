/*
 * der.h - a bounds-checked reader of DER (definite lengths only), for the
 * client tokens we look into: SPNEGO NegTokenInit and the Kerberos AP-REQ.
 */
#ifndef GSS_SSPI_MECH_DER_H
#define GSS_SSPI_MECH_DER_H

#include <stdbool.h>
#include <stddef.h>

struct der {
    const unsigned char *p;
    size_t len;
};

/* Reads one TLV from d: its tag, its value (pointing into d); d moves past
 * it.  False, and nothing read, when the lengths do not fit. */
bool der_next(struct der *d, unsigned char *tag, struct der *value);

#endif
