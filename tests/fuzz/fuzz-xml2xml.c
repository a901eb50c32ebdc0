/*
 * fuzz-xml2xml.c: parse, complete, format, and do it again
 *
 * For each input and for generation 1 and the table's current generation: complete it
 * the way `virt-defaults apply` does (the guard's 'new' context).  A refusal is fine.
 * An accepted definition must format to XML that parses again, that the engine
 * accepts again, and that comes out byte for byte the same (idempotence).  Anything
 * else aborts, which libFuzzer records as a crash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#include "fuzz.h"

static vdTable *vdFuzzTable;

static char *
vdFuzzApply(const char *buf,
            size_t len,
            unsigned int generation,
            GError **error)
{
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = generation };
    vdGuardResult res = { 0 };
    g_autoptr(xmlDoc) doc = NULL;
    char *out;

    if (!(doc = vdXMLParse(buf, len, "fuzz", "domain", error)))
        return NULL;
    if (!vdGuardApply(vdFuzzTable, doc, &req, &res, error)) {
        vdGuardResultClear(&res);
        return NULL;
    }
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    return out;
}


static void G_GNUC_NORETURN
vdFuzzBug(const char *what,
          unsigned int generation,
          const char *first,
          const char *detail)
{
    fprintf(stderr, "fuzz-xml2xml: generation %u: %s\n", generation, what);
    if (detail)
        fprintf(stderr, "%s\n", detail);
    if (first)
        fprintf(stderr, "--- first output ---\n%s\n", first);
    abort();
}


static void
vdFuzzOne(const char *buf,
          size_t len,
          unsigned int generation)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autoptr(xmlDoc) reparsed = NULL;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    if (!(first = vdFuzzApply(buf, len, generation, &err))) {
        if (!err || err->domain != VD_ERROR)
            vdFuzzBug("refused without a VD_ERROR", generation, NULL, NULL);
        if (err->code == VD_ERROR_INTERNAL)
            vdFuzzBug("internal error", generation, NULL, err->message);
        return;
    }
    if (!(reparsed = vdXMLParse(first, strlen(first), "output", "domain", &err2)))
        vdFuzzBug("the output does not parse", generation, first, err2->message);
    if (!(second = vdFuzzApply(first, strlen(first), generation, &err2)))
        vdFuzzBug("the engine refuses its own output", generation, first, err2->message);
    if (!g_str_equal(first, second))
        vdFuzzBug("not idempotent: applying the engine to its output changes it",
                  generation, first, second);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    if (!vdFuzzTable) {
        g_autoptr(GError) err = NULL;

        if (!(vdFuzzTable = vdTableLoadDefault(&err))) {
            fprintf(stderr, "fuzz-xml2xml: cannot load the table: %s\n", err->message);
            abort();
        }
    }

    vdFuzzOne((const char *)data, size, 1);
    if (vdFuzzTable->current != 1)
        vdFuzzOne((const char *)data, size, vdFuzzTable->current);
    return 0;
}
