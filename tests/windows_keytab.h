/*
 * windows_keytab.h - what an acceptor needs to take the Kerberos tokens
 * captured from a real Windows client (tests/data/windows-kerberos,
 * see its README): a krb5.conf (2009 authenticators, RC4) and a keytab of
 * the service keys.  No check dependency: seed programs use it too.
 */
#ifndef GSS_SSPI_WINDOWS_KEYTAB_H
#define GSS_SSPI_WINDOWS_KEYTAB_H

#include <stddef.h>

#define WINDOWS_CLIENT "user.test@DOMAIN.COM"
#define WINDOWS_TOKENS 6
/* The captured tokens: raw Kerberos, then SPNEGO, for RC4, AES128, AES256. */
extern const char *const windows_token_files[WINDOWS_TOKENS];

/* The bytes of DIR/NAME, malloc'ed; NULL (errno set) on failure. */
unsigned char *windows_read(const char *dir, const char *name, size_t *len);

/* Writes WORK/krb5.conf and WORK/windows.keytab from the key files in DATA.
 * NULL, or why not (static text). */
const char *windows_kerberos_write(const char *data, const char *work);
/* Points this process at them: KRB5_CONFIG, KRB5_KTNAME, and no replay
 * cache (the same authenticators come every run).  0 or -1. */
int windows_kerberos_env(const char *work);
/* Removes what windows_kerberos_write wrote, and WORK if empty. */
void windows_kerberos_remove(const char *work);

#endif
