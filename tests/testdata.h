/*
 * testdata.h - where the project's own test data is: tests/data (captured
 * Windows tokens and their keys, NTLM reference vectors, SPNEGO captures;
 * tests/data/README.md says where each file comes from).  The tests need
 * nothing outside the source tree.
 */
#ifndef GSS_SSPI_TESTDATA_H
#define GSS_SSPI_TESTDATA_H

#include <stdio.h>
#include <stdlib.h>

/* $GSS_SSPI_TEST_DATA (make check sets it), else $top_srcdir/tests/data,
 * else ./tests/data (a test run by hand from the top of the tree). */
static inline const char *test_data_dir(void)
{
    static char dir[4096];
    const char *env = getenv("GSS_SSPI_TEST_DATA");
    if (env != NULL && *env != '\0')
        return env;
    const char *top = getenv("top_srcdir");
    int n = snprintf(dir, sizeof(dir), "%s/tests/data", top != NULL && *top != '\0' ? top : ".");
    if (n < 0 || (size_t)n >= sizeof(dir))
        abort(); /* a top_srcdir longer than any path */
    return dir;
}

/* test_data_dir()/REL in BUF; returns BUF (an empty string when it does not
 * fit: the open that follows fails and says so). */
static inline const char *test_data_path(const char *rel, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", test_data_dir(), rel);
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
    return buf;
}

#endif
