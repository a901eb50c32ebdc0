/*
 * vdbenchclock.c: what the benchmarks share: the clock, the median, disk names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <time.h>

#include "vdbenchclock.h"

gint64
vdBenchClockNow(bool cpu)
{
    struct timespec ts;

    if (!cpu || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return g_get_monotonic_time();
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}


static int
vdBenchClockCompare(const void *a,
                    const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}


double
vdBenchClockMedian(double *samples,
                   unsigned int n)
{
    if (n == 0)
        return 0;
    qsort(samples, n, sizeof(double), vdBenchClockCompare);
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}


char *
vdBenchDiskName(const char *prefix,
                unsigned int idx)
{
    char rev[16];
    GString *s = g_string_new(prefix);
    size_t n = 0;

    idx++;
    while (idx > 0 && n < sizeof(rev)) {
        idx--;
        rev[n++] = 'a' + idx % 26;
        idx /= 26;
    }
    while (n > 0)
        g_string_append_c(s, rev[--n]);
    return g_string_free(s, FALSE);
}
