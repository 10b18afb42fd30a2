/*
 * pac_seeds.c - seeds for the PAC fuzz target (tests/fuzz/fuzz_pac.c): the
 * logon info (urn:mspac:logon-info) of the tickets in the captured Windows
 * tokens, as MIT's acceptor hands it out.
 *
 *   pac-seeds OUT WINDOWS_KERBEROS_DIR
 *
 * writes OUT/<token>.logon-info for every token accepted (a token that
 * does not work here is skipped with a line on stderr), and made-up ones
 * with what those lack: resource groups, a null ExtraSids entry, a
 * non-decimal identifier authority.  Runs in a temporary directory of its
 * own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pac_builder.h"
#include "windows_keytab.h"
#include "windows_logon_info.h"

/* The logon info of one token into OUT; 1 when written. */
static int seed(const char *out, const char *data, const char *file)
{
    char why[512], path[4096];
    size_t len;
    void *info = windows_logon_info(data, file, &len, why, sizeof(why));
    if (info == NULL) {
        fprintf(stderr, "pac-seeds: %s, skipped\n", why);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s.logon-info", out, file);
    FILE *f = fopen(path, "wb");
    int written = f != NULL && fwrite(info, 1, len, f) == len;
    if (f == NULL || fclose(f) != 0 || !written) {
        perror(path);
        exit(1);
    }
    free(info);
    return written;
}

static int write_made_up(const char *out)
{
    static const struct logon_spec *const specs[] = {&logon_spec_every_part, &logon_spec_user_only};
    int n = 0;
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        unsigned char buf[1024];
        char path[4096];
        size_t len = logon_info_build(specs[i], buf, sizeof(buf));
        snprintf(path, sizeof(path), "%s/made-up-%zu.logon-info", out, i + 1);
        FILE *f = fopen(path, "wb");
        if (len == 0 || f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
            perror(path);
            exit(1);
        }
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    char work[] = "/tmp/gss-sspi-pac-seeds.XXXXXX";
    int n = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: %s OUT WINDOWS_KERBEROS_DIR\n", argv[0]);
        return 2;
    }
    if (mkdtemp(work) == NULL) {
        perror("pac-seeds: mkdtemp");
        return 1;
    }
    const char *why = windows_kerberos_write(argv[2], work);
    if (why == NULL && windows_kerberos_env(work) != 0)
        why = "setenv failed";
    for (size_t i = 0; why == NULL && i < WINDOWS_TOKENS; i++)
        n += seed(argv[1], argv[2], windows_token_files[i]);
    windows_kerberos_remove(work);
    if (why != NULL)
        fprintf(stderr, "pac-seeds: no captured logon infos: %s\n", why);
    n += write_made_up(argv[1]);
    printf("pac-seeds: %d logon infos\n", n);
    return 0;
}
