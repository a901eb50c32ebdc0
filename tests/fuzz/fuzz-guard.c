/*
 * fuzz-guard.c: pairs of definitions through every context of the guard
 *
 * The input is one definition, or two separated by a line "%%%%": the stored one and
 * its owner's edit.  For generation 1 and the table's current generation:
 *
 *   - the first is completed ('new'); a refusal is fine;
 *   - the result must be stable: 'new' again, 'load' and 'migrate' accept it
 *     unchanged, and the ABI check finds nothing between it and itself;
 *   - the second is applied as an 'update' of it: accepted, the result must be stable
 *     the same way, and an update of it by itself changes nothing;
 *   - an 'upgrade' of the first to the current generation: accepted, the result must
 *     be stable, and upgrading it again changes nothing.
 *
 * Every refusal must be a VD_ERROR other than VD_ERROR_INTERNAL.  Anything else aborts,
 * which libFuzzer records as a crash; run it with -timeout=1 so that a slow path is a
 * finding too.
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

static void G_GNUC_NORETURN
vdFuzzBug(const char *what,
          unsigned int generation,
          const char *doc,
          const char *detail)
{
    fprintf(stderr, "fuzz-guard: generation %u: %s\n", generation, what);
    if (detail)
        fprintf(stderr, "%s\n", detail);
    if (doc)
        fprintf(stderr, "--- definition ---\n%s\n", doc);
    abort();
}


/* A refusal must be an error of ours, and not a bug. */
static void
vdFuzzCheckRefusal(const GError *err,
                   unsigned int generation,
                   const char *what)
{
    if (!err || err->domain != VD_ERROR)
        vdFuzzBug(what, generation, NULL, "refused without a VD_ERROR");
    if (err->code == VD_ERROR_INTERNAL)
        vdFuzzBug(what, generation, NULL, err->message);
}


/* The formatted result of @req on @xml, or NULL and @error. */
static char *
vdFuzzGuard(const char *xml,
            size_t len,
            const vdGuardRequest *req,
            GError **error)
{
    vdGuardResult res = { 0 };
    g_autoptr(xmlDoc) doc = NULL;
    char *out;

    if (!(doc = vdXMLParse(xml, len, "fuzz", "domain", error)))
        return NULL;
    if (!vdGuardApply(vdFuzzTable, doc, req, &res, error)) {
        vdGuardResultClear(&res);
        return NULL;
    }
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    return out;
}


/* @xml came out of the engine: every context must take it as it is. */
static void
vdFuzzStable(const char *xml,
             unsigned int generation)
{
    /* restore takes migrate's path through the guard */
    static const vdGuardContext verify[] = { VD_GUARD_LOAD, VD_GUARD_MIGRATE };
    vdGuardRequest again = { .context = VD_GUARD_NEW, .flags = VD_GUARD_KEEP_STAMP };
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) abi = NULL;
    g_autofree char *out = NULL;
    size_t i;

    if (!(out = vdFuzzGuard(xml, strlen(xml), &again, &err)))
        vdFuzzBug("the engine refuses its own output", generation, xml, err->message);
    if (!g_str_equal(out, xml))
        vdFuzzBug("not idempotent: applying the engine to its output changes it",
                  generation, xml, out);
    for (i = 0; i < G_N_ELEMENTS(verify); i++) {
        vdGuardRequest req = { .context = verify[i] };
        g_autofree char *same = NULL;

        if (!(same = vdFuzzGuard(xml, strlen(xml), &req, &err)))
            vdFuzzBug(vdGuardContextTypeToString(verify[i]), generation, xml,
                      err->message);
        if (!g_str_equal(same, xml))
            vdFuzzBug("a verifying context changed the definition", generation, xml, same);
    }
    if (!(doc = vdXMLParse(xml, strlen(xml), "fuzz", "domain", &err)))
        vdFuzzBug("the output does not parse", generation, xml, err->message);
    if (!(abi = vdGuardCheckABI(doc, doc, &err)))
        vdFuzzBug("the ABI check fails on the output", generation, xml, err->message);
    if (abi->len > 0)
        vdFuzzBug("the ABI check finds a difference between a definition and itself",
                  generation, xml, g_ptr_array_index(abi, 0));
}


static void
vdFuzzOne(const char *first,
          size_t firstLen,
          const char *second,
          size_t secondLen,
          unsigned int generation)
{
    vdGuardRequest create = { .context = VD_GUARD_NEW, .generation = generation };
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) stored = NULL;
    g_autofree char *a = NULL;

    if (!(a = vdFuzzGuard(first, firstLen, &create, &err))) {
        vdFuzzCheckRefusal(err, generation, "new");
        return;
    }
    vdFuzzStable(a, generation);
    if (!(stored = vdXMLParse(a, strlen(a), "stored", "domain", &err)))
        vdFuzzBug("the output does not parse", generation, a, err->message);

    if (second) {
        vdGuardRequest update = { .context = VD_GUARD_UPDATE, .stored = stored };
        g_autoptr(GError) uerr = NULL;
        g_autofree char *b = NULL;

        if (!(b = vdFuzzGuard(second, secondLen, &update, &uerr))) {
            vdFuzzCheckRefusal(uerr, generation, "update");
        } else {
            g_autoptr(xmlDoc) edited = NULL;
            g_autoptr(GPtrArray) abi = NULL;
            g_autofree char *c = NULL;

            vdFuzzStable(b, generation);
            if (!(edited = vdXMLParse(b, strlen(b), "edited", "domain", &uerr)))
                vdFuzzBug("the update does not parse", generation, b, uerr->message);
            update.stored = edited;
            if (!(c = vdFuzzGuard(b, strlen(b), &update, &uerr)))
                vdFuzzBug("an update by itself is refused", generation, b, uerr->message);
            if (!g_str_equal(b, c))
                vdFuzzBug("an update by itself changes the definition", generation, b, c);
            if (!(abi = vdGuardCheckABI(stored, edited, &uerr)))
                vdFuzzBug("the ABI check fails", generation, b, uerr->message);
        }
    }

    if (generation < vdFuzzTable->current) {
        vdGuardRequest upgrade = { .context = VD_GUARD_UPGRADE,
                                   .generation = vdFuzzTable->current };
        g_autoptr(GError) gerr = NULL;
        g_autofree char *u = NULL;
        g_autofree char *again = NULL;

        if (!(u = vdFuzzGuard(a, strlen(a), &upgrade, &gerr))) {
            vdFuzzCheckRefusal(gerr, generation, "upgrade");
            return;
        }
        vdFuzzStable(u, vdFuzzTable->current);
        if (!(again = vdFuzzGuard(u, strlen(u), &upgrade, &gerr)))
            vdFuzzBug("an upgraded definition refuses the same upgrade", generation, u,
                      gerr->message);
        if (!g_str_equal(u, again))
            vdFuzzBug("upgrading twice differs from upgrading once", generation, u, again);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    const char *buf = (const char *)data;
    const char *sep;
    const char *second = NULL;
    size_t firstLen = size;
    size_t secondLen = 0;

    if (!vdFuzzTable) {
        g_autoptr(GError) err = NULL;

        if (!(vdFuzzTable = vdTableLoadDefault(&err))) {
            fprintf(stderr, "fuzz-guard: cannot load the table: %s\n", err->message);
            abort();
        }
    }

    if ((sep = g_strstr_len(buf, size, "%%%%"))) {
        firstLen = sep - buf;
        second = sep + 4;
        secondLen = size - firstLen - 4;
    }
    vdFuzzOne(buf, firstLen, second, secondLen, 1);
    if (vdFuzzTable->current != 1)
        vdFuzzOne(buf, firstLen, second, secondLen, vdFuzzTable->current);
    return 0;
}
