/* helper_io.h - the framing of the helper programs that tests run in a
 * process of their own (tests/export-helper, tests/delegating-client): on
 * stdin/stdout, each item a 4-byte big-endian length and its bytes; a
 * SECURITY_STATUS is an item of its 4 bytes, big-endian. */
#ifndef GSS_SSPI_TEST_HELPER_IO_H
#define GSS_SSPI_TEST_HELPER_IO_H

#include <stdint.h>

#include <sspi.h>

/* The next item from stdin, malloc'ed and NUL-terminated; exits with
 * status 2 at the end of input. */
void *read_item(uint32_t *len);
void write_item(const void *p, uint32_t len);
void write_status(SECURITY_STATUS s);

#endif
