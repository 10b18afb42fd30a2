/*
 * thread_state.c - the one thread-local object of the module (see
 * thread_state.h for why each part is per thread).
 */
#include "thread_state.h"

static _Thread_local struct mech_thread_state state = {
    .utc_stamp = {.when = -1},     /* no second cached yet */
    .syslog_header = {.when = -1}, /* likewise */
};

struct mech_thread_state *thread_state(void)
{
    return &state;
}
