/*
 * vdgenerationstest.c: every released generation after the first is frozen too
 *
 * vdxml2xmltest holds generation 1 to real libvirt 9.0 and pins its outputs.  Later
 * generations have no oracle: their outputs are reviewed once, pinned in
 * tests/vdxml2xmloutdata/<case>.gen<N>.vd.xml (or .gen<N>.vderr for a refusal), and a
 * change to a released one fails here.  Each output must also be stable when the
 * engine is applied to it again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <string.h>

#include "testutils.h"

static vdTable *table;

typedef struct {
    char *name;
    unsigned int generation;
} vdGenCase;


static void
vdGenCaseFree(gpointer p)
{
    vdGenCase *c = p;

    g_free(c->name);
    g_free(c);
}


static char *
vdGenOutPath(const vdGenCase *c,
             const char *kind)
{
    g_autofree char *base = g_strdup_printf("%s.gen%u.%s", c->name, c->generation, kind);

    return vdTestPath("vdxml2xmloutdata", base, NULL);
}


static void
vdGenTest(gconstpointer data)
{
    const vdGenCase *c = data;
    const vdGeneration *gen = vdTableFindGeneration(table, c->generation);
    g_autofree char *base = g_strdup_printf("%s.xml", c->name);
    g_autofree char *in = vdTestPath("vdxml2xmldata", base, NULL);
    g_autofree char *xmlPath = vdGenOutPath(c, "vd.xml");
    g_autofree char *errPath = vdGenOutPath(c, "vderr");
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;
    g_autoptr(GError) err = NULL;
    const char *path;
    const char *stale;
    const char *content;
    g_autofree char *msg = NULL;
    gsize len = 0;

    if (!(buf = vdTestLoadFile(in, &len))) {
        g_test_fail();
        return;
    }
    out = vdTestApplyBuf(table, c->generation, buf, len, c->name, &err);
    if (out) {
        path = xmlPath;
        stale = errPath;
        content = out;
    } else {
        msg = g_strdup_printf("%s\n", err->message);
        path = errPath;
        stale = xmlPath;
        content = msg;
    }

    if (vdTestRegenerate() && g_file_test(stale, G_FILE_TEST_EXISTS))
        g_unlink(stale);
    if (!vdTestCompareToFile(content, path) || g_file_test(stale, G_FILE_TEST_EXISTS)) {
        if (gen->released)
            g_test_message("generation %u is released and may not change, but case '%s' "
                           "no longer gives its pinned %s: add the change to a new "
                           "generation instead", c->generation, c->name,
                           out ? "output" : "refusal");
        g_test_fail();
        return;
    }

    /* the engine applied to its own output changes nothing */
    if (out) {
        g_clear_error(&err);
        again = vdTestApplyBuf(table, c->generation, out, strlen(out), c->name, &err);
        if (!again) {
            g_test_message("re-applying generation %u to its own output failed: %s",
                           c->generation, err->message);
            g_test_fail();
        } else if (!g_str_equal(again, out)) {
            g_autofree char *diff = vdTestDiff(out, again, 3);

            g_test_message("generation %u is not idempotent on '%s':\n%s", c->generation,
                           c->name, diff);
            g_test_fail();
        }
    }
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) cases = NULL;
    g_autoptr(GPtrArray) tests = g_ptr_array_new_with_free_func(vdGenCaseFree);
    guint g;
    guint i;

    g_test_init(&argc, &argv, NULL);
    if (!(table = vdTableLoadDefault(&err))) {
        g_printerr("cannot load the table: %s\n", err->message);
        return 1;
    }
    cases = vdTestListCases();
    for (g = 0; g < table->generations->len; g++) {
        const vdGeneration *gen = g_ptr_array_index(table->generations, g);

        if (gen->number < 2)
            continue;
        for (i = 0; i < cases->len; i++) {
            vdGenCase *c = g_new0(vdGenCase, 1);
            g_autofree char *arch = NULL;
            g_autofree char *tpath = NULL;

            c->name = g_strdup(g_ptr_array_index(cases, i));
            c->generation = gen->number;
            arch = vdTestCaseArch(c->name);
            tpath = g_strdup_printf("/generation/%u/%s/%s", gen->number, arch, c->name);
            g_ptr_array_add(tests, c);
            g_test_add_data_func(tpath, c, vdGenTest);
        }
    }
    return g_test_run();
}
