/*
 * fuzz-main.c: replay a fuzzer's corpus and crash reproducers in the ordinary test run
 *
 * usage: fuzz-REPLAY [--known LIST] DIR|FILE...
 *        fuzz-REPLAY --one FILE
 *
 * Every regular file (directories are read one level deep, in name order) is handed
 * to LLVMFuzzerTestOneInput() in a child process of its own (this program again, with
 * --one), so that one crash fails one input and the others still run; the results are
 * TAP.  LIST names reproducers of crashes not fixed yet, one file name per line with
 * '#' comments: they report as TODO while they crash, and ask for their removal from
 * the list once they do not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fuzz.h"

static int
vdFuzzStrCmp(gconstpointer a,
             gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}


static void
vdFuzzCollect(const char *path,
              GPtrArray *files)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    const char *ent;
    guint i;

    /* a fuzzer with no reproducer yet has no regress directory in a fresh clone
     * (git keeps no empty directory): nothing to replay */
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return;
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(files, g_strdup(path));
        return;
    }
    if (!(dir = g_dir_open(path, 0, NULL)))
        return;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((ent = g_dir_read_name(dir))) {
        if (ent[0] == '.')
            continue;
        g_ptr_array_add(names, g_build_filename(path, ent, NULL));
    }
    g_ptr_array_sort(names, vdFuzzStrCmp);
    for (i = 0; i < names->len; i++) {
        const char *p = g_ptr_array_index(names, i);

        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(files, g_strdup(p));
    }
}


/* File name -> reason, from a list of known crashes. */
static GHashTable *
vdFuzzLoadKnown(const char *path)
{
    g_autoptr(GHashTable) known = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                        g_free, g_free);
    g_autoptr(GError) err = NULL;
    g_autofree char *buf = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *reason = NULL;
    size_t i;

    if (!path)
        return g_steal_pointer(&known);
    if (!g_file_get_contents(path, &buf, NULL, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err->message);
        return NULL;
    }
    /* a comment block says why; the names below it share the reason */
    lines = g_strsplit(buf, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);

        if (!*line) {
            g_clear_pointer(&reason, g_free);
            continue;
        }
        if (line[0] == '#') {
            g_autofree char *old = reason;

            reason = old ? g_strconcat(old, " ", g_strstrip(line + 1), NULL)
                         : g_strdup(g_strstrip(line + 1));
            continue;
        }
        g_hash_table_insert(known, g_strdup(line), g_strdup(reason ? reason : "known crash"));
    }
    return g_steal_pointer(&known);
}


static int
vdFuzzRunOne(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *buf = NULL;
    g_autofree uint8_t *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &buf, &len, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err->message);
        return 1;
    }
    /* a copy of exactly the input's size, so that ASan sees any over-read */
    data = g_malloc(len ? len : 1);
    memcpy(data, buf, len);
    LLVMFuzzerTestOneInput(data, len);
    return 0;
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) known = NULL;
    const char *knownPath = NULL;
    int failed = 0;
    guint i;
    int a = 1;

    if (argc == 3 && g_str_equal(argv[1], "--one"))
        return vdFuzzRunOne(argv[2]);

    if (argc > 2 && g_str_equal(argv[1], "--known")) {
        knownPath = argv[2];
        a = 3;
    }
    if (!(known = vdFuzzLoadKnown(knownPath)))
        return 99;
    for (; a < argc; a++)
        vdFuzzCollect(argv[a], files);

    printf("1..%u\n", files->len);
    for (i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autofree char *base = g_path_get_basename(path);
        const char *reason = g_hash_table_lookup(known, base);
        const char *child[] = { argv[0], "--one", path, NULL };
        g_autoptr(GError) err = NULL;
        g_autofree char *errout = NULL;
        int status = 0;

        fflush(stdout);
        if (!g_spawn_sync(NULL, (char **)child, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                          &errout, &status, &err)) {
            printf("not ok %u - %s: %s\n", i + 1, path, err->message);
            failed++;
            continue;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("ok %u - %s\n", i + 1, path);
            if (reason)
                printf("# NOTICE: %s does not crash in this build: if it does not crash under "
                       "the sanitizers either, remove it from %s\n", base, knownPath);
            continue;
        }
        /* the child's report, for the log */
        fprintf(stderr, "=== %s\n%s", path, errout ? errout : "");
        if (reason) {
            printf("not ok %u - %s # TODO %s\n", i + 1, path, reason);
            continue;
        }
        printf("not ok %u - %s\n", i + 1, path);
        failed++;
    }
    return failed ? 1 : 0;
}
