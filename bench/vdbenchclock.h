/*
 * vdbenchclock.h: the clock and the median the benchmarks share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

/* Microseconds: this thread's CPU time with @cpu (what a busy machine disturbs
 * least), else the monotonic wall clock. */
gint64 vdBenchClockNow(bool cpu);

/* The median of @n samples, which it sorts in place. */
double vdBenchClockMedian(double *samples, unsigned int n);
