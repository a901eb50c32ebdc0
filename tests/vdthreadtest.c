/*
 * vdthreadtest.c: the public library used as a daemon uses it, from many threads
 *
 * libvirt's QEMU driver parses definitions on a pool of worker threads and
 * hands each parsed document to vdDefaultsComplete().  Eight threads here
 * complete every golden input at once, each on its own parse, and every result
 * must equal what one thread alone produced.  Afterwards libxml2's
 * process-wide state (the entity loader) and this thread's error handler must
 * be what they were: the library may change neither.
 *
 * Only the public header is used, and the test links the shared library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <string.h>

#include "libvirt-defaults.h"

#define VD_THREADS 8
#define VD_ROUNDS 3

typedef struct {
    char *name;
    char *input;
    char *expected;   /* completed by one thread alone */
} vdThreadCase;

typedef struct {
    vdDefaults *defaults;
    GPtrArray *cases;
    guint offset;
    guint failures;
} vdThreadJob;


/* Parse as libvirt does: a plain libxml2 parse of the whole document. */
static xmlDocPtr
vdThreadParse(const char *xml)
{
    return xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
}


static char *
vdThreadFormat(xmlDocPtr doc)
{
    xmlChar *mem = NULL;
    int len = 0;
    char *ret;

    xmlDocDumpMemory(doc, &mem, &len);
    ret = g_strndup((const char *)mem, len);
    xmlFree(mem);
    return ret;
}


/* The completed document as text, or "ERROR: message". */
static char *
vdThreadComplete(vdDefaults *defaults,
                 const char *input)
{
    g_autoptr(GError) err = NULL;
    xmlDocPtr doc = vdThreadParse(input);
    char *ret;

    if (!doc)
        return g_strdup("ERROR: not well-formed");
    if (!vdDefaultsComplete(defaults, xmlDocGetRootElement(doc), NULL, VD_CONTEXT_NEW, 1,
                            0, NULL, &err))
        ret = g_strdup_printf("ERROR: %s", err->message);
    else
        ret = vdThreadFormat(doc);
    xmlFreeDoc(doc);
    return ret;
}


static gpointer
vdThreadRun(gpointer opaque)
{
    vdThreadJob *job = opaque;
    guint round;
    guint i;

    for (round = 0; round < VD_ROUNDS; round++) {
        for (i = 0; i < job->cases->len; i++) {
            vdThreadCase *c = g_ptr_array_index(job->cases, (i + job->offset) % job->cases->len);
            g_autofree char *got = vdThreadComplete(job->defaults, c->input);

            if (!g_str_equal(got, c->expected)) {
                g_printerr("# %s: differs when completed beside other threads\n", c->name);
                job->failures++;
            }
        }
    }
    return NULL;
}


static void
vdThreadCaseFree(gpointer p)
{
    vdThreadCase *c = p;

    g_free(c->name);
    g_free(c->input);
    g_free(c->expected);
    g_free(c);
}


static void
vdThreadQuiet(void *ctx, const char *msg, ...)
{
}


static void
testThreads(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdDefaults) defaults = vdDefaultsNew(&err);
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(vdThreadCaseFree);
    g_autoptr(GDir) dir = NULL;
    g_autofree char *datadir = g_build_filename(abs_srcdir, "vdxml2xmldata", NULL);
    xmlExternalEntityLoader loader;
    xmlGenericErrorFunc handler;
    GThread *threads[VD_THREADS];
    vdThreadJob jobs[VD_THREADS];
    const char *entry;
    guint failures = 0;
    guint i;

    g_assert_no_error(err);
    g_assert_nonnull(defaults);

    /* a daemon has its own error handler on its threads: it must survive */
    xmlSetGenericErrorFunc(NULL, vdThreadQuiet);
    loader = xmlGetExternalEntityLoader();
    handler = xmlGenericError;

    dir = g_dir_open(datadir, 0, &err);
    g_assert_no_error(err);
    while ((entry = g_dir_read_name(dir))) {
        vdThreadCase *c;
        g_autofree char *path = NULL;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        path = g_build_filename(datadir, entry, NULL);
        c = g_new0(vdThreadCase, 1);
        c->name = g_strdup(entry);
        g_assert_true(g_file_get_contents(path, &c->input, NULL, NULL));
        c->expected = vdThreadComplete(defaults, c->input);
        g_ptr_array_add(cases, c);
    }
    g_assert_cmpuint(cases->len, >, 100);

    for (i = 0; i < VD_THREADS; i++) {
        jobs[i] = (vdThreadJob) {
            .defaults = defaults, .cases = cases, .offset = i * 37,
        };
        threads[i] = g_thread_new("complete", vdThreadRun, &jobs[i]);
    }
    for (i = 0; i < VD_THREADS; i++) {
        g_thread_join(threads[i]);
        failures += jobs[i].failures;
    }

    g_assert_cmpuint(failures, ==, 0);
    g_assert_true(xmlGetExternalEntityLoader() == loader);
    g_assert_true(xmlGenericError == handler);
    xmlSetGenericErrorFunc(NULL, NULL);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/threads/complete-8", testThreads);
    return g_test_run();
}
