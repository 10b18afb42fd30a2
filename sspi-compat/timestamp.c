/*
 * timestamp.c - TimeStamp is a FILETIME-style count of 100 ns units since
 * 1601-01-01, in local time (the SSPI reference pages say "local time").
 */
#include "internal.h"

#define EPOCH_DIFF_1601_1970 11644473600LL /* seconds */
#define TICKS_PER_SECOND 10000000LL
#define TIMESTAMP_NEVER 0x7FFFFFFFFFFFFFFFLL /* what Windows reports for "no expiry" */

void timestamp_from_time(time_t t, PTimeStamp out)
{
    struct tm local;
    long gmtoff = 0;
    if (localtime_r(&t, &local) != NULL)
        gmtoff = local.tm_gmtoff;
    out->QuadPart = ((int64_t)t + gmtoff + EPOCH_DIFF_1601_1970) * TICKS_PER_SECOND;
}

void timestamp_from_lifetime(OM_uint32 lifetime, PTimeStamp out)
{
    if (lifetime == GSS_C_INDEFINITE) {
        out->QuadPart = TIMESTAMP_NEVER;
        return;
    }
    timestamp_from_time(time(NULL) + (time_t)lifetime, out);
}
