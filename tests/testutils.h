/*
 * testutils.h: helpers shared by the test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "defaults/vdtable.h"

#ifndef abs_srcdir
# error "abs_srcdir must be defined by the build (tests/meson.build)"
#endif

/* The source directory of the tests, compiled in so that a test finds its data from
 * any working directory. */
#define VD_TEST_SRCDIR abs_srcdir

/* VD_TEST_REGENERATE_OUTPUT=1: vdTestCompareToFile() rewrites the expected file. */
bool vdTestRegenerate(void);

/* VD_TEST_DEBUG=1 prints a trimmed diff on a mismatch, 2 the full texts. */
int vdTestDebugLevel(void);

/* @path relative to the top of the source tree when it is inside it, for messages
 * (a pointer into @path). */
const char *vdTestRelPath(const char *path);

/* The whole file, NUL-terminated; NULL (with a test message) when it cannot be read. */
char *vdTestLoadFile(const char *path, gsize *len);

bool vdTestWriteFile(const char *path, const char *content);

/* Lines of a list file, without '#' comments and blank lines, as a set. */
GHashTable *vdTestLoadList(const char *path);

/* Compare @actual with the content of @path.  With VD_TEST_REGENERATE_OUTPUT=1 the file
 * is written instead and the comparison succeeds.  A missing file is a mismatch. */
bool vdTestCompareToFile(const char *actual, const char *path);

/* A short line diff of two texts, for test messages. */
char *vdTestDiff(const char *expected, const char *actual, gsize context);

/* Case names (file names without ".xml") of tests/vdxml2xmldata that have a
 * generation-1 golden, sorted. */
GPtrArray *vdTestListCases(void);

/* The architecture a case name starts with ("x86_64" for "x86_64-pc-minimal"). */
char *vdTestCaseArch(const char *name);

/* Parse @buf, complete it under generation @generation of @table in the guard's 'new'
 * context (engine and generation stamp) and format the result: the path of
 * `virt-defaults apply --generation N`.  NULL with @error set when the
 * definition is refused. */
char *vdTestApplyBuf(const vdTable *table,
                     unsigned int generation,
                     const char *buf,
                     gsize len,
                     const char *name,
                     GError **error);

/* Points G_TEST_SRCDIR-style paths at the source tree: abs_srcdir/@first/... */
char *vdTestPath(const char *first, ...) G_GNUC_NULL_TERMINATED;
