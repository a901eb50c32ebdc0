/*
 * testutils.c: helpers shared by the test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "testutils.h"
#include "util/vdxml.h"

bool
vdTestRegenerate(void)
{
    const char *v = g_getenv("VD_TEST_REGENERATE_OUTPUT");

    return v && g_str_equal(v, "1");
}


int
vdTestDebugLevel(void)
{
    const char *v = g_getenv("VD_TEST_DEBUG");
    guint64 n = 0;

    if (!v || !g_ascii_string_to_unsigned(v, 10, 0, 9, &n, NULL))
        return 0;
    return (int)n;
}


char *
vdTestPath(const char *first,
           ...)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    const char *p;
    va_list ap;

    g_ptr_array_add(parts, (gpointer)VD_TEST_SRCDIR);
    va_start(ap, first);
    for (p = first; p; p = va_arg(ap, const char *))
        g_ptr_array_add(parts, (gpointer)p);
    va_end(ap);
    g_ptr_array_add(parts, NULL);
    return g_build_filenamev((char **)parts->pdata);
}


const char *
vdTestRelPath(const char *path)
{
    static char *top;
    gsize n;

    if (!top) {
        g_autofree char *dir = g_path_get_dirname(VD_TEST_SRCDIR);

        top = g_strconcat(dir, G_DIR_SEPARATOR_S, NULL);
    }
    n = strlen(top);
    return g_str_has_prefix(path, top) ? path + n : path;
}


char *
vdTestLoadFile(const char *path,
               gsize *len)
{
    g_autoptr(GError) err = NULL;
    char *buf = NULL;
    gsize n = 0;

    if (!g_file_get_contents(path, &buf, &n, &err)) {
        g_test_message("cannot read %s: %s", path, err->message);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}


bool
vdTestWriteFile(const char *path,
                const char *content)
{
    g_autoptr(GError) err = NULL;

    if (!g_file_set_contents(path, content, -1, &err)) {
        g_test_message("cannot write %s: %s", path, err->message);
        return false;
    }
    return true;
}


GHashTable *
vdTestLoadList(const char *path)
{
    g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *buf = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return g_steal_pointer(&set);
    if (!(buf = vdTestLoadFile(path, NULL)))
        return NULL;
    lines = g_strsplit(buf, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *hash = strchr(lines[i], '#');

        if (hash)
            *hash = '\0';
        g_strstrip(lines[i]);
        if (*lines[i])
            g_hash_table_add(set, g_strdup(lines[i]));
    }
    return g_steal_pointer(&set);
}


/* Strip the lines both texts share at their start and end and print what is left,
 * with @context lines around it: enough to review a golden-file change. */
char *
vdTestDiff(const char *expected,
           const char *actual,
           gsize context)
{
    g_auto(GStrv) a = g_strsplit(expected ? expected : "", "\n", -1);
    g_auto(GStrv) b = g_strsplit(actual ? actual : "", "\n", -1);
    gsize na = g_strv_length(a);
    gsize nb = g_strv_length(b);
    gsize pre = 0;
    gsize post = 0;
    gsize start;
    gsize i;
    GString *out = g_string_new(NULL);

    while (pre < na && pre < nb && g_str_equal(a[pre], b[pre]))
        pre++;
    while (post < na - pre && post < nb - pre &&
           g_str_equal(a[na - 1 - post], b[nb - 1 - post]))
        post++;

    start = pre > context ? pre - context : 0;
    g_string_append_printf(out, "@@ -%" G_GSIZE_FORMAT " +%" G_GSIZE_FORMAT " @@\n",
                           start + 1, start + 1);
    for (i = start; i < pre; i++)
        g_string_append_printf(out, " %s\n", a[i]);
    for (i = pre; i < na - post; i++)
        g_string_append_printf(out, "-%s\n", a[i]);
    for (i = pre; i < nb - post; i++)
        g_string_append_printf(out, "+%s\n", b[i]);
    for (i = na - post; i < na && i < na - post + context; i++)
        g_string_append_printf(out, " %s\n", a[i]);
    return g_string_free(out, FALSE);
}


bool
vdTestCompareToFile(const char *actual,
                    const char *path)
{
    g_autofree char *expected = NULL;

    if (vdTestRegenerate()) {
        g_autofree char *old = NULL;

        if (g_file_test(path, G_FILE_TEST_EXISTS))
            g_file_get_contents(path, &old, NULL, NULL);
        if (old && g_str_equal(old, actual))
            return true;
        g_test_message("regenerated %s", vdTestRelPath(path));
        return vdTestWriteFile(path, actual);
    }

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_message("%s does not exist; create it with VD_TEST_REGENERATE_OUTPUT=1",
                       vdTestRelPath(path));
        return false;
    }
    if (!(expected = vdTestLoadFile(path, NULL)))
        return false;
    if (g_str_equal(expected, actual))
        return true;

    g_test_message("%s differs from the actual output%s", vdTestRelPath(path),
                   vdTestDebugLevel() ? "" : " (VD_TEST_DEBUG=1 shows a diff)");
    if (vdTestDebugLevel() == 1) {
        g_autofree char *diff = vdTestDiff(expected, actual, 3);

        g_test_message("--- %s\n+++ actual\n%s", vdTestRelPath(path), diff);
    } else if (vdTestDebugLevel() >= 2) {
        g_test_message("expected (%s):\n%s\nactual:\n%s", vdTestRelPath(path), expected, actual);
    }
    return false;
}


static int
vdTestStrCmp(gconstpointer a,
             gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}


GPtrArray *
vdTestListCases(void)
{
    g_autofree char *indir = vdTestPath("vdxml2xmldata", NULL);
    g_autofree char *outdir = vdTestPath("vdxml2xmloutdata", NULL);
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;
    const char *ent;

    if (!(dir = g_dir_open(indir, 0, &err)))
        g_error("cannot list %s: %s", indir, err->message);
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *name = NULL;
        g_autofree char *xml = NULL;
        g_autofree char *errf = NULL;

        if (!g_str_has_suffix(ent, ".xml"))
            continue;
        name = g_strndup(ent, strlen(ent) - 4);
        xml = g_strdup_printf("%s/%s.gen1.xml", outdir, name);
        errf = g_strdup_printf("%s/%s.gen1.err", outdir, name);
        if (g_file_test(xml, G_FILE_TEST_EXISTS) || g_file_test(errf, G_FILE_TEST_EXISTS))
            g_ptr_array_add(cases, g_steal_pointer(&name));
    }
    g_ptr_array_sort(cases, vdTestStrCmp);
    return g_steal_pointer(&cases);
}


char *
vdTestCaseArch(const char *name)
{
    const char *dash = strchr(name, '-');

    return dash ? g_strndup(name, dash - name) : g_strdup(name);
}


char *
vdTestApplyBuf(const vdTable *table,
               unsigned int generation,
               const char *buf,
               gsize len,
               const char *name,
               GError **error)
{
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = generation };
    vdGuardResult res = { 0 };
    g_autoptr(xmlDoc) doc = NULL;
    char *out;

    if (!(doc = vdXMLParse(buf, len, name, "domain", error)))
        return NULL;
    if (!vdGuardApply(table, doc, &req, &res, error)) {
        vdGuardResultClear(&res);
        return NULL;
    }
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    return out;
}
