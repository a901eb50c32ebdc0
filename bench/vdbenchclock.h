/*
 * vdbenchclock.h: what the benchmarks share: the clock, the median, disk names
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

/* @prefix and the bijective base-26 name of disk @idx, as libvirt numbers disks:
 * 0 is "a", 25 "z", 26 "aa". */
char *vdBenchDiskName(const char *prefix, unsigned int idx);
