/*
 * vddiff.h: line-oriented unified diffs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

char *vdDiffUnified(const char *a, const char *b, const char *nameA, const char *nameB,
                    unsigned int context);
