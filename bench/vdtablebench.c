/*
 * vdtablebench.c: what loading the built-in table costs a process
 *
 * Loads the table N times (1000 unless given) both ways and prints the median and the
 * 90th percentile of each: from its compiled form (vdTableLoadDefault, what every
 * program does) and from the XML source with schema validation (what every program did
 * before the table was compiled at build time).
 *
 * usage: build/bench/vdtablebench [N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"

static int
vdBenchCmp(const void *a,
           const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}


static bool
vdBenchRun(const char *label,
           bool compiled,
           unsigned int n)
{
    g_autofree double *us = g_new0(double, n);
    unsigned int i;

    for (i = 0; i < n; i++) {
        g_autoptr(GError) err = NULL;
        gint64 start = g_get_monotonic_time();
        vdTable *table = compiled ? vdTableLoadDefault(&err) : vdTableLoadSource(VD_SRCDIR, &err);

        us[i] = g_get_monotonic_time() - start;
        if (!table) {
            g_printerr("vdtablebench: %s: %s\n", label, err->message);
            return false;
        }
        vdTableFree(table);
    }
    qsort(us, n, sizeof(*us), vdBenchCmp);
    g_print("%-34s median %9.1f us   p90 %9.1f us   (%u loads)\n",
            label, us[n / 2], us[n * 9 / 10], n);
    return true;
}


int
main(int argc,
     char **argv)
{
    guint64 n = 1000;

    if (argc > 1 && !g_ascii_string_to_unsigned(argv[1], 10, 1, 1000000, &n, NULL)) {
        g_printerr("usage: %s [N]\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (!vdBenchRun("compiled (vdTableLoadDefault)", true, n) ||
        !vdBenchRun("XML + schema (vdTableLoadSource)", false, MIN(n, 200)))
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}
