/*
 * vdloadbench.c: the CPU a daemon start spends in the library's load context
 *
 * A libvirt daemon with the engine on re-reads every stored definition at start and
 * hands each parsed document to vdDefaultsComplete(VD_CONTEXT_LOAD) before its own
 * parser sees it.  This program does the same, in one thread, through the public API
 * only (so that LD_LIBRARY_PATH can choose the library build the fork uses), on sets of
 * stored definitions: typically a daemon's configuration directory as stock libvirt
 * wrote it (complete, unstamped) and as the fork wrote it (complete, stamped).
 *
 * For each set it times, with the thread's CPU clock, --count loads (cycling over the
 * set's files when it has fewer): the libxml2 parse, which libvirt pays with or without
 * the engine, and the load call itself, which is what the engine adds.  Each figure is
 * the median of --rounds rounds, which go round-robin over the sets.  Speed is reported,
 * never asserted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vdbenchclock.h"

#include "libvirt-defaults.h"

/* the public header brings no cleanup for libxml2's types, and this program uses
 * nothing else of the project */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);

/* issue 9: 10,000 guarded loads in under a second of CPU */
#define VD_LOADBENCH_TARGET_LOADS 10000
#define VD_LOADBENCH_TARGET_SECONDS 1.0

#define VD_LOADBENCH_MAX_ROUNDS 99

typedef struct {
    char *label;
    GPtrArray *files;    /* char *: paths */
    GPtrArray *texts;    /* char *: their contents */
    guint refused;       /* loads of the last round that failed */
    guint warned;        /* loads of the last round that returned warnings */
    char *firstError;
    double parse[VD_LOADBENCH_MAX_ROUNDS];
    double load[VD_LOADBENCH_MAX_ROUNDS];
} vdLoadBenchSet;

static void
vdLoadBenchSetFree(vdLoadBenchSet *set)
{
    if (!set)
        return;
    g_free(set->label);
    g_ptr_array_unref(set->files);
    g_ptr_array_unref(set->texts);
    g_free(set->firstError);
    g_free(set);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdLoadBenchSet, vdLoadBenchSetFree);


/* Seconds of this thread's CPU time. */
static double
vdLoadBenchNow(void)
{
    return vdBenchClockNow(true) / (double)G_USEC_PER_SEC;
}


static double
vdLoadBenchMedian(const double *samples,
                  guint n)
{
    double sorted[VD_LOADBENCH_MAX_ROUNDS];

    memcpy(sorted, samples, n * sizeof(*sorted));
    return vdBenchClockMedian(sorted, n);
}


static gint
vdLoadBenchCompareName(gconstpointer a,
                       gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}


/* Adds @path, or every *.xml directly inside it when it is a directory, in name order. */
static bool
vdLoadBenchSetAddPath(vdLoadBenchSet *set,
                      const char *path,
                      GError **error)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    guint i;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(set->files, g_strdup(path));
        return true;
    }
    if (!(dir = g_dir_open(path, 0, error)))
        return false;
    while ((name = g_dir_read_name(dir))) {
        if (g_str_has_suffix(name, ".xml"))
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
    }
    g_ptr_array_sort(names, vdLoadBenchCompareName);
    for (i = 0; i < names->len; i++)
        g_ptr_array_add(set->files, g_steal_pointer(&names->pdata[i]));
    return true;
}


/* @arg is LABEL=PATH or PATH (labelled by its base name); PATH is a file or a directory. */
static vdLoadBenchSet *
vdLoadBenchSetNew(const char *arg,
                  GError **error)
{
    g_autoptr(vdLoadBenchSet) set = g_new0(vdLoadBenchSet, 1);
    const char *eq = strchr(arg, '=');
    const char *path = eq ? eq + 1 : arg;
    guint i;

    set->label = eq ? g_strndup(arg, eq - arg) : g_path_get_basename(arg);
    set->files = g_ptr_array_new_with_free_func(g_free);
    set->texts = g_ptr_array_new_with_free_func(g_free);
    if (!vdLoadBenchSetAddPath(set, path, error))
        return NULL;
    if (set->files->len == 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "no *.xml file in '%s'", path);
        return NULL;
    }
    for (i = 0; i < set->files->len; i++) {
        char *text = NULL;

        if (!g_file_get_contents(set->files->pdata[i], &text, NULL, error))
            return NULL;
        g_ptr_array_add(set->texts, text);
    }
    return g_steal_pointer(&set);
}


/* One load of @text, as the fork does it at daemon start: parse, then the load context
 * on the document's root element.  Adds the CPU seconds of each step to @parse and @load;
 * returns false, with @error set, when either step refuses the definition. */
static bool
vdLoadBenchLoadOne(vdDefaults *defaults,
                   const char *text,
                   double *parse,
                   double *load,
                   bool *warned,
                   GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_auto(GStrv) warnings = NULL;
    double t0 = vdLoadBenchNow();
    double t1;
    gboolean ok;

    doc = xmlReadMemory(text, strlen(text), "stored.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    t1 = vdLoadBenchNow();
    *parse += t1 - t0;
    if (!doc || !xmlDocGetRootElement(doc)) {
        g_set_error_literal(error, VD_ERROR, VD_ERROR_XML, "not well-formed XML");
        return false;
    }
    ok = vdDefaultsComplete(defaults, xmlDocGetRootElement(doc), NULL, VD_CONTEXT_LOAD,
                            0, 0, &warnings, error);
    *load += vdLoadBenchNow() - t1;
    *warned = warnings && warnings[0];
    return ok;
}


static void
vdLoadBenchRound(vdDefaults *defaults,
                 vdLoadBenchSet *set,
                 guint count,
                 guint round)
{
    guint i;

    set->parse[round] = 0;
    set->load[round] = 0;
    set->refused = 0;
    set->warned = 0;
    for (i = 0; i < count; i++) {
        g_autoptr(GError) err = NULL;
        const char *text = set->texts->pdata[i % set->texts->len];
        bool warned = false;

        if (!vdLoadBenchLoadOne(defaults, text, &set->parse[round], &set->load[round],
                                &warned, &err)) {
            set->refused++;
            if (!set->firstError) {
                set->firstError = g_strdup_printf("%s: %s",
                                                  (char *)set->files->pdata[i % set->files->len],
                                                  err->message);
            }
        }
        if (warned)
            set->warned++;
    }
}


/* The file the library was loaded from: which build was measured. */
static const char *
vdLoadBenchLibrary(void)
{
    Dl_info info;

    if (dladdr((void *)vdDefaultsNew, &info) && info.dli_fname)
        return info.dli_fname;
    return "(unknown)";
}


static void
vdLoadBenchReport(GPtrArray *sets,
                  guint count,
                  guint rounds)
{
    guint i;

    printf("guarded loads: %u per set, median of %u rounds, thread CPU clock\n", count, rounds);
    printf("library: %s\n", vdLoadBenchLibrary());
    printf("  %-14s %6s %7s %7s %9s %9s %8s %10s  %s\n", "set", "files", "refused",
           "warned", "parse s", "load s", "load us", "parse+load", "load target");
    for (i = 0; i < sets->len; i++) {
        vdLoadBenchSet *set = sets->pdata[i];
        double parse = vdLoadBenchMedian(set->parse, rounds);
        double load = vdLoadBenchMedian(set->load, rounds);
        /* the target is for 10,000 loads: scale when --count says otherwise */
        double per10k = load * VD_LOADBENCH_TARGET_LOADS / count;

        printf("  %-14s %6u %7u %7u %9.3f %9.3f %8.1f %10.3f  %.3f s per %u: %s\n",
               set->label, set->files->len, set->refused, set->warned, parse, load,
               load / count * 1e6, parse + load, per10k, VD_LOADBENCH_TARGET_LOADS,
               per10k < VD_LOADBENCH_TARGET_SECONDS ? "met" : "MISSED");
    }
    for (i = 0; i < sets->len; i++) {
        vdLoadBenchSet *set = sets->pdata[i];

        if (set->firstError)
            printf("# %s: first refusal: %s\n", set->label, set->firstError);
    }
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GOptionContext) opts = g_option_context_new("[LABEL=]DIR|FILE...");
    g_autoptr(GError) err = NULL;
    g_autoptr(vdDefaults) defaults = NULL;
    g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func((GDestroyNotify)vdLoadBenchSetFree);
    gint count = VD_LOADBENCH_TARGET_LOADS;
    gint rounds = 3;
    GOptionEntry entries[] = {
        { "count", 'n', 0, G_OPTION_ARG_INT, &count, "loads per set and round (10000)", "N" },
        { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "rounds; the median is reported (3)",
          "N" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    guint r;
    guint i;

    g_option_context_add_main_entries(opts, entries, NULL);
    g_option_context_set_summary(opts, "Times the library's load context (vdDefaultsComplete, "
                                 "VD_CONTEXT_LOAD) on stored definitions: every *.xml of "
                                 "each DIR, or each FILE.");
    if (!g_option_context_parse(opts, &argc, &argv, &err) || argc < 2 || count < 1 ||
        rounds < 1 || rounds > VD_LOADBENCH_MAX_ROUNDS) {
        fprintf(stderr, "vdloadbench: %s\n", err ? err->message : "see --help");
        return 2;
    }
    for (i = 1; i < (guint)argc; i++) {
        vdLoadBenchSet *set = vdLoadBenchSetNew(argv[i], &err);

        if (!set) {
            fprintf(stderr, "vdloadbench: %s\n", err->message);
            return 1;
        }
        g_ptr_array_add(sets, set);
    }
    if (!(defaults = vdDefaultsNew(&err))) {
        fprintf(stderr, "vdloadbench: %s\n", err->message);
        return 1;
    }
    for (r = 0; r < (guint)rounds; r++) {
        for (i = 0; i < sets->len; i++)
            vdLoadBenchRound(defaults, sets->pdata[i], count, r);
    }
    vdLoadBenchReport(sets, count, rounds);
    return 0;
}
