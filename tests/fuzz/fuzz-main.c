/*
 * fuzz-main.c: replay a fuzzer's corpus and crash reproducers in the ordinary test run
 *
 * usage: fuzz-REPLAY DIR|FILE...
 *
 * Every regular file (directories are read one level deep, in name order) is handed
 * to LLVMFuzzerTestOneInput() once; the results are TAP.  A crash or abort fails the
 * test run, as it would in libFuzzer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib.h>
#include <stdio.h>
#include <string.h>

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


int
main(int argc,
     char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    int failed = 0;
    guint i;
    int a;

    for (a = 1; a < argc; a++)
        vdFuzzCollect(argv[a], files);

    printf("1..%u\n", files->len);
    for (i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autoptr(GError) err = NULL;
        g_autofree char *buf = NULL;
        gsize len = 0;

        fflush(stdout);
        if (!g_file_get_contents(path, &buf, &len, &err)) {
            printf("not ok %u - %s: %s\n", i + 1, path, err->message);
            failed++;
            continue;
        }
        /* a copy of exactly the input's size, so that ASan sees any over-read */
        {
            g_autofree uint8_t *data = g_malloc(len ? len : 1);

            memcpy(data, buf, len);
            LLVMFuzzerTestOneInput(data, len);
        }
        printf("ok %u - %s\n", i + 1, path);
    }
    return failed ? 1 : 0;
}
