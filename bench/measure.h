/*
 * measure.h - segments of a bench program, counted by callgrind.
 *
 * The program runs under `valgrind --tool=callgrind --collect-atstart=no`:
 * only the code between measure_start() and measure_stop() is counted, and
 * measure_dump() closes a segment, writing one callgrind dump whose
 * description is the segment's label:
 *
 *   budget;what;role;side;n
 *
 * budget: "=R", the largest ratio allowed over the baseline, or "-" (for
 * information); what: the operation, the same text for the two sides to
 * compare; role: "measured" or "baseline"; side: who did the work; n: how
 * many times (the dump counts all of them).  bench/dumps.awk reads the
 * dumps, bench/report.awk pairs them into ratios.
 * Outside callgrind the client requests do nothing.
 *
 * The segments' CPU time, user and kernel, adds up in measure_spent (ns,
 * CLOCK_THREAD_CPUTIME_ID: the scheduler's own count for this thread),
 * read outside the counted instructions.
 */
#ifndef GSS_SSPI_BENCH_MEASURE_H
#define GSS_SSPI_BENCH_MEASURE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(label) ((void)(label))
#define CALLGRIND_ZERO_STATS
#endif

static long long measure_spent, measure_began;

static inline long long measure_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void measure_start(void)
{
    measure_began = measure_cpu_ns();
    CALLGRIND_TOGGLE_COLLECT;
}

static inline void measure_stop(void)
{
    CALLGRIND_TOGGLE_COLLECT;
    measure_spent += measure_cpu_ns() - measure_began;
}

static inline int measure_compare(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The median of n CPU times (sorts them). */
static inline long long measure_median(long long *spent, size_t n)
{
    qsort(spent, n, sizeof(*spent), measure_compare);
    return spent[n / 2];
}

/* Forgets what was counted since the last dump (a warm-up). */
static inline void measure_discard(void)
{
    CALLGRIND_ZERO_STATS;
}

static inline void measure_dump(const char *budget, const char *what, const char *role,
                                const char *side, int n)
{
    char label[256];
    snprintf(label, sizeof(label), "%s;%s;%s;%s;%d", budget, what, role, side, n);
    CALLGRIND_DUMP_STATS_AT(label);
}

#endif
