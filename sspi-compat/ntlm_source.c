/*
 * ntlm_source.c - whether gss-ntlmssp's acceptor can look users up at all.
 *
 * gss-ntlmssp 1.2.0 finds the user of an AUTHENTICATE in NTLM_USER_FILE
 * and, when that fails, asks winbindd (libwbclient).  A user it cannot find
 * and a source it cannot read end alike: GSS_S_FAILURE with an errno
 * (ENOENT from fopen or the search, EACCES from winbind).  Windows tells an
 * outage of the authority (no domain controller answers) from a wrong
 * logon: SEC_E_NO_AUTHENTICATING_AUTHORITY, so that an outage does not feed
 * lockout logic as bad passwords.  We look at the sources ourselves when
 * gss-ntlmssp reports a user it could not find.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

/* libwbclient's default socket directory on Debian, and its overrides. */
#define WINBINDD_SOCKET_DIR_DEFAULT "/run/samba/winbindd"

/* NTLM_USER_FILE names a regular file this process can read. */
static bool user_file_usable(const char **why)
{
    const char *path = getenv("NTLM_USER_FILE");
    struct stat st;
    if (path == NULL) {
        *why = "NTLM_USER_FILE is not set";
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = "NTLM_USER_FILE cannot be opened";
        return false;
    }
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    close(fd);
    if (!regular)
        *why = "NTLM_USER_FILE is not a regular file";
    return regular;
}

/* winbindd answers on its socket. */
static bool winbind_usable(const char **why)
{
    const char *off = getenv("_NO_WINBINDD");
    if (off != NULL && strcmp(off, "1") == 0) {
        *why = "winbind is switched off (_NO_WINBINDD=1)";
        return false;
    }
    const char *dir = getenv("WINBINDD_SOCKET_DIR");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/pipe",
                     dir ? dir : WINBINDD_SOCKET_DIR_DEFAULT);
    if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
        *why = "WINBINDD_SOCKET_DIR is too long";
        return false;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool up = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    if (fd >= 0)
        close(fd);
    if (!up)
        *why = "winbindd does not answer";
    return up;
}

bool ntlm_user_source_failed(OM_uint32 major, OM_uint32 minor)
{
    const char *file_why = "", *winbind_why = "";
    if (GSS_ROUTINE_ERROR(major) != GSS_S_FAILURE)
        return false;
    OM_uint32 code = status_mech_minor(major, minor);
    if (code != (OM_uint32)ENOENT && code != (OM_uint32)EACCES)
        return false; /* not "user not found" */
    if (user_file_usable(&file_why) || winbind_usable(&winbind_why))
        return false; /* a source answered: the user is unknown */
    trace("AcceptSecurityContext: no NTLM user source: %s, and %s", file_why, winbind_why);
    return true;
}
