/*
 * vdguard.c: which generation applies to a definition, and what may change
 *
 * A definition is completed under the generation it was created with, forever: the
 * stamp in its <metadata> says which.  Only 'new' picks a generation, only 'upgrade'
 * moves to another one, and 'load', 'migrate' and 'restore' never change anything.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdengine.h"
#include "guard/vdabi.h"
#include "guard/vdguard.h"
#include "guard/vdstamp.h"
#include "util/vddiff.h"
#include "util/vderror.h"
#include "util/vdxml.h"

VD_ENUM_IMPL(vdGuardContext, VD_GUARD_LAST,
             "new", "update", "load", "migrate", "restore", "upgrade", "parse");

void
vdGuardResultClear(vdGuardResult *res)
{
    if (res->doc)
        xmlFreeDoc(res->doc);
    if (res->notes)
        g_ptr_array_unref(res->notes);
    memset(res, 0, sizeof(*res));
}


/* Take back everything the stamp says the engine supplied, so that a newer
 * generation can decide it again; what the user wrote stays. */
static void
vdGuardStrip(vdDomainDef *def,
             const vdStamp *stamp)
{
    vdStampStrip(def, stamp);
}


/* A definition the engine completed before keeps its order; see
 * VD_DOMAIN_PARSE_KEEP_ORDER. */
static vdDomainDef *
vdGuardParse(xmlDocPtr doc,
             bool keepOrder,
             GError **error)
{
    unsigned int flags = 0;

    if (keepOrder || vdStampPresent(doc))
        flags |= VD_DOMAIN_PARSE_KEEP_ORDER;
    return vdDomainDefParseFlags(doc, flags, error);
}


typedef enum {
    /* a definition being created or changed: new defaults may be filled in, and the
     * claims of its stamp are checked (libvirt's ABI_UPDATE) */
    VD_GUARD_COMPLETE_NEW = 1 << 0,
    /* take back what the stamp says the engine supplied first (an upgrade) */
    VD_GUARD_COMPLETE_STRIP = 1 << 1,
    /* keep the document's device order: it was completed before */
    VD_GUARD_COMPLETE_KEEP_ORDER = 1 << 2,
} vdGuardCompleteFlags;

/* Complete @doc (in place) under @generation and stamp it; @req, if any, brings the
 * host's settings. */
static bool
vdGuardComplete(const vdTable *table,
                xmlDocPtr doc,
                xmlDocPtr stampFrom,
                unsigned int generation,
                unsigned int flags,
                const vdGuardRequest *req,
                GError **error)
{
    bool newDomain = flags & VD_GUARD_COMPLETE_NEW;
    bool strip = flags & VD_GUARD_COMPLETE_STRIP;
    bool keepOrder = flags & VD_GUARD_COMPLETE_KEEP_ORDER;
    g_autoptr(vdDomainDef) def = NULL;
    vdEngineOptions opts = {
        .generation = generation,
        .newDomain = newDomain,
        .live = req && (req->flags & VD_GUARD_LIVE),
        .host = req ? req->host : NULL,
    };
    vdStamp stamp = { 0 };
    bool held = true;
    guint claims;
    bool ok = false;

    if (!(def = vdGuardParse(doc, keepOrder, error)) ||
        !vdStampRead(def, stampFrom, &stamp, error))
        goto cleanup;
    /* the claims of a stamp count where the stamped generation makes them true; a
     * reload or migration only checks, and rewrites nothing */
    if (newDomain)
        held = vdStampTrust(table, def, &stamp, keepOrder || vdStampPresent(doc));
    if (strip)
        vdGuardStrip(def, &stamp);
    claims = vdStampClaims(def);
    if (!vdEngineApply(def, table, &opts, error) ||
        !vdDomainDefSync(def, error))
        goto cleanup;
    /* A stamped definition kept some claims and gained others: the stamp written must
     * claim only what taking all of them back derives again, or applying the engine
     * to its own output would drop more.  (An unstamped one's claims are the engine's
     * own run on what the user wrote, and hold by construction; so do a stamp's that
     * all held when the engine added none.) */
    if (newDomain && !strip && stamp.present && !(held && vdStampClaims(def) == claims))
        vdStampTrust(table, def, &stamp, true);
    if (!vdStampWrite(def, generation, &stamp, error))
        goto cleanup;
    ok = true;

 cleanup:
    vdStampClear(&stamp);
    return ok;
}


static bool
vdGuardCheckGeneration(const vdTable *table,
                       unsigned int generation,
                       GError **error)
{
    if (!vdTableFindGeneration(table, generation)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("generation %1$u is not defined by the table"), generation);
        return false;
    }
    return true;
}


/* Remove the stamp from @doc, and the <metadata> it leaves empty. */
static void
vdGuardDropStamp(xmlDocPtr doc)
{
    xmlNodePtr md;
    xmlNodePtr next;

    for (md = vdXMLChild(xmlDocGetRootElement(doc), "metadata"); md; md = next) {
        xmlNodePtr n;
        xmlNodePtr after;

        next = vdXMLNextElement(md);
        for (n = md->children; n; n = after) {
            after = n->next;
            if (n->type == XML_ELEMENT_NODE && n->ns &&
                g_str_equal((const char *)n->ns->href, VD_STAMP_NS)) {
                xmlUnlinkNode(n);
                xmlFreeNode(n);
            }
        }
        if (!vdXMLFirstElement(md)) {
            xmlUnlinkNode(md);
            xmlFreeNode(md);
        }
        while (next && !vdXMLNameIs(next, "metadata"))
            next = vdXMLNextElement(next);
    }
}


/* The kinds of device @after has more of than @before ("memballoon, input"), or
 * NULL when it has no more of any. */
static char *
vdGuardAddedKinds(const vdDomainDef *before,
                  const vdDomainDef *after)
{
    g_autoptr(GString) out = g_string_new(NULL);
    size_t k;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        if (vdDomainDefCount(after, k) > vdDomainDefCount(before, k))
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", vdDeviceKindTypeToString(k));
    }
    return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}


/* Whether the devices @after (the stamped generation's completion of @doc) adds
 * are what generation 1, libvirt 9.0 itself, adds back to @doc on a parse: if so
 * *@added is cleared, otherwise it is left naming them. */
static bool
vdGuardLibvirtAdds(const vdTable *table,
                   xmlDocPtr doc,
                   bool stamped,
                   const vdDomainDef *after,
                   char **added,
                   GError **error)
{
    g_autoptr(xmlDoc) copy1 = NULL;
    g_autoptr(vdDomainDef) after1 = NULL;
    g_autoptr(GPtrArray) abi = NULL;

    if (vdStampGeneration(doc, NULL, NULL) == 1) {
        g_clear_pointer(added, g_free);
        return true;
    }
    if (!vdTableFindGeneration(table, 1))
        return true;
    copy1 = xmlCopyDoc(doc, 1);
    if (stamped)
        vdGuardDropStamp(copy1);
    if (!vdGuardComplete(table, copy1, NULL, 1, VD_GUARD_COMPLETE_KEEP_ORDER, NULL, error) ||
        !(after1 = vdGuardParse(copy1, true, error)))
        return false;
    abi = vdAbiCompare(after1, after);
    if (abi->len == 0)
        g_clear_pointer(added, g_free);
    return true;
}


/* Whether the stamped generation @generation would change nothing in @doc that
 * the guest sees: the plan for it, with no copy of the document.  The stamp's
 * claims are not read: they say who supplied a value, which no value depends on
 * (and vdStampGeneration() has checked the stamp already). */
static bool
vdGuardPlanIsEmpty(const vdTable *table,
                   xmlDocPtr doc,
                   unsigned int generation,
                   bool *empty,
                   GError **error)
{
    g_autoptr(vdDomainDef) def = NULL;
    g_autoptr(vdPlan) plan = NULL;
    vdEngineOptions opts = { .generation = generation, .newDomain = false };

    if (!(def = vdGuardParse(doc, true, error)) ||
        !(plan = vdEnginePlan(def, table, &opts, error)))
        return false;
    *empty = vdPlanIsEmpty(plan, VD_PLAN_VALUES_ONLY);
    return true;
}


/* A definition stamped by a newer build: nothing here can tell what its generation
 * would add, and a reload must not lose the guest, so it is kept as it is; any other
 * context refuses it. */
static bool
vdGuardVerifyUnknown(const vdTable *table,
                     xmlDocPtr doc,
                     const vdGuardRequest *req,
                     vdGuardResult *res,
                     unsigned int gen,
                     GError **error)
{
    if (req->context != VD_GUARD_LOAD && req->context != VD_GUARD_PARSE) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("the definition is stamped with generation %1$u, which this table does not know (newest: %2$u): it cannot be checked for %3$s"),
                    gen, table->current, vdGuardContextTypeToString(req->context));
        return false;
    }
    g_ptr_array_add(res->notes,
                    g_strdup_printf(_("the definition is stamped with generation %1$u, which this table does not know (newest: %2$u); it is kept as stored"),
                                    gen, table->current));
    if (!(req->flags & VD_GUARD_IN_PLACE))
        res->doc = xmlCopyDoc(doc, 1);
    return true;
}


/* Complete a copy of @doc, whose plan is not empty, and compare: a change the guest
 * would see is refused (or, at a reload, noted); devices the definition lacks are
 * returned in @kinds when generation 1, libvirt itself, adds them back on a parse. */
static bool
vdGuardVerifyCompare(const vdTable *table,
                     xmlDocPtr doc,
                     const vdGuardRequest *req,
                     vdGuardResult *res,
                     unsigned int gen,
                     char **kinds,
                     GError **error)
{
    g_autoptr(xmlDoc) copy = xmlCopyDoc(doc, 1);
    g_autoptr(vdDomainDef) before = NULL;
    g_autoptr(vdDomainDef) after = NULL;
    g_autoptr(GPtrArray) abi = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *added = NULL;
    bool stamped = vdStampPresent(doc);
    guint i;

    if (!vdGuardComplete(table, copy, NULL, gen, VD_GUARD_COMPLETE_KEEP_ORDER, req, error))
        return false;
    /* an unstamped definition is generation 1 as it is: the stamp a completion
     * writes is no difference */
    if (!stamped)
        vdGuardDropStamp(copy);
    a = vdXMLFormat(doc);
    b = vdXMLFormat(copy);
    if (g_str_equal(a, b))
        return true;
    if (!(before = vdGuardParse(doc, true, error)) || !(after = vdGuardParse(copy, true, error)))
        return false;
    /* devices the stamped generation adds back are no change to the guest:
     * libvirt's migratable XML drops the implicit ones, and libvirt adds them
     * again on every parse */
    abi = vdAbiCompareFlags(before, after, VD_ABI_ALLOW_ADDED);
    if (abi->len > 0 && req->context != VD_GUARD_LOAD) {
        g_autoptr(GString) msg = g_string_new(NULL);

        for (i = 0; i < abi->len; i++)
            g_string_append_printf(msg, "%s%s", i ? "; " : "", (char *)g_ptr_array_index(abi, i));
        g_set_error(error, VD_ERROR, VD_ERROR_ABI,
                    _("the definition would change the guest ABI under generation %1$u: %2$s"),
                    gen, msg->str);
        return false;
    }
    /* only what the guest would see is worth a warning at every daemon start:
     * a value that is no ABI (libvirt 9.0 itself renumbers a virtio console
     * behind the serial one when it reads its own config back) is not */
    for (i = 0; i < abi->len; i++)
        g_ptr_array_add(res->notes, g_strdup(g_ptr_array_index(abi, i)));
    if (abi->len > 0 || !(*kinds = vdGuardAddedKinds(before, after)))
        return true;
    added = g_strdup(*kinds);
    /* what libvirt itself adds back on every parse; a device only a newer
     * generation adds was never the guest's */
    if (!vdGuardLibvirtAdds(table, doc, stamped, after, &added, error))
        return false;
    if (added && req->context != VD_GUARD_LOAD) {
        g_set_error(error, VD_ERROR, VD_ERROR_ABI,
                    _("the definition would change the guest ABI under generation %1$u: it lacks %2$s, which libvirt would not add back"),
                    gen, added);
        return false;
    }
    if (added)
        g_clear_pointer(kinds, g_free);
    return true;
}


/* The generation @doc is stamped with (1 without a stamp), as the result's; false
 * with @error set when the stamp is broken. */
static bool
vdGuardStampedGeneration(xmlDocPtr doc,
                         vdGuardResult *res,
                         unsigned int *gen,
                         GError **error)
{
    if (!(*gen = vdStampGeneration(doc, NULL, error)))
        return false;
    res->generation = *gen;
    res->notes = g_ptr_array_new_with_free_func(g_free);
    return true;
}


/* load, migrate, restore: the stamped generation must change nothing the guest sees. */
static bool
vdGuardVerify(const vdTable *table,
              xmlDocPtr doc,
              const vdGuardRequest *req,
              vdGuardResult *res,
              GError **error)
{
    g_autofree char *kinds = NULL;
    bool stamped = vdStampPresent(doc);
    bool empty = false;
    unsigned int gen;

    if (!vdGuardStampedGeneration(doc, res, &gen, error))
        return false;
    if (!vdTableFindGeneration(table, gen))
        return vdGuardVerifyUnknown(table, doc, req, res, gen, error);
    /* what was stored complete plans nothing: that is the whole check at a
     * reload; a definition that is not is completed on a copy and compared, to
     * say what differs and whether the guest would see it */
    if (!vdGuardPlanIsEmpty(table, doc, gen, &empty, error) ||
        (!empty && !vdGuardVerifyCompare(table, doc, req, res, gen, &kinds, error)))
        return false;

    if (kinds && req->context == VD_GUARD_LOAD)
        g_ptr_array_add(res->notes,
                        g_strdup_printf((req->flags & VD_GUARD_FILL) ?
                                        _("the stored definition lacks devices generation %1$u adds (%2$s): they are added as it is read") :
                                        _("the stored definition lacks devices generation %1$u adds (%2$s): it is kept as stored"),
                                        gen, kinds));
    if (kinds && (req->flags & VD_GUARD_FILL)) {
        /* the same completion again, on the document itself */
        if (!vdGuardComplete(table, doc, NULL, gen, VD_GUARD_COMPLETE_KEEP_ORDER, req, error))
            return false;
        if (!stamped)
            vdGuardDropStamp(doc);
        res->changed = true;
    }
    if (!(req->flags & VD_GUARD_IN_PLACE))
        res->doc = xmlCopyDoc(doc, 1);
    return true;
}


/* parse: what the definition's generation supplies on every parse, filled in
 * with nothing checked; an unstamped definition stays unstamped. */
static bool
vdGuardFillParse(const vdTable *table,
                 xmlDocPtr doc,
                 const vdGuardRequest *req,
                 vdGuardResult *res,
                 GError **error)
{
    g_autoptr(xmlDoc) work = NULL;
    bool stamped = vdStampPresent(doc);
    unsigned int gen;

    if (!vdGuardStampedGeneration(doc, res, &gen, error))
        return false;
    if (!vdTableFindGeneration(table, gen))
        return vdGuardVerifyUnknown(table, doc, req, res, gen, error);
    if (!(req->flags & VD_GUARD_IN_PLACE))
        doc = work = xmlCopyDoc(doc, 1);
    if (!vdGuardComplete(table, doc, NULL, gen, 0, req, error))
        return false;
    if (!stamped || (req->flags & VD_GUARD_NO_STAMP))
        vdGuardDropStamp(doc);
    res->changed = true;
    res->doc = g_steal_pointer(&work);
    return true;
}


static xmlDocPtr
vdGuardWorkCopy(xmlDocPtr doc,
                const vdGuardRequest *req)
{
    if (req->flags & VD_GUARD_IN_PLACE)
        return NULL;
    return xmlCopyDoc(doc, 1);
}


/* new: the generation a stamp in @doc names (with VD_GUARD_KEEP_STAMP) or the one
 * asked for, and never a stamp that disagrees with it. */
static unsigned int
vdGuardNewGeneration(const vdTable *table,
                     xmlDocPtr doc,
                     const vdGuardRequest *req,
                     GError **error)
{
    bool present = false;
    unsigned int stamped;
    unsigned int gen;

    if (!(stamped = vdStampGeneration(doc, &present, error)))
        return 0;
    if (present && (req->flags & VD_GUARD_KEEP_STAMP))
        gen = stamped;
    else
        gen = req->generation ? req->generation : present ? stamped : table->current;
    if (present && gen != stamped) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("the definition is stamped with generation %1$u, not %2$u; only an explicit upgrade moves a definition to another generation"),
                    stamped, gen);
        return 0;
    }
    return vdGuardCheckGeneration(table, gen, error) ? gen : 0;
}


/* update: the stored definition's generation, which an edit may not change. */
static unsigned int
vdGuardUpdateGeneration(const vdTable *table,
                        xmlDocPtr doc,
                        const vdGuardRequest *req,
                        bool *editPresent,
                        GError **error)
{
    unsigned int edited;
    unsigned int gen;

    if (!req->stored) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("context 'update' needs the stored definition"));
        return 0;
    }
    if (!(gen = vdStampGeneration(req->stored, NULL, error)) ||
        !(edited = vdStampGeneration(doc, editPresent, error)))
        return 0;
    if (*editPresent && edited != gen) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("the edited definition claims generation %1$u but the stored one is generation %2$u; only an explicit upgrade moves a definition to another generation"),
                    edited, gen);
        return 0;
    }
    return vdGuardCheckGeneration(table, gen, error) ? gen : 0;
}


/* upgrade: complete @work under the target generation, never an older one.  With the
 * stored definition, @doc is its owner's new text: the generation moved from is the
 * stored one, whatever @doc claims. */
static unsigned int
vdGuardUpgrade(const vdTable *table,
               xmlDocPtr doc,
               xmlDocPtr work,
               const vdGuardRequest *req,
               GError **error)
{
    bool docStamped = false;
    unsigned int stamped;
    unsigned int gen;

    if (!(stamped = vdStampGeneration(req->stored ? req->stored : doc, NULL, error)) ||
        !vdStampGeneration(doc, &docStamped, error))
        return 0;
    gen = req->generation ? req->generation : table->current;
    if (!vdGuardCheckGeneration(table, gen, error))
        return 0;
    if (gen < stamped) {
        g_set_error(error, VD_ERROR, VD_ERROR_ABI,
                    _("the definition is generation %1$u: downgrading to generation %2$u is refused"),
                    stamped, gen);
        return 0;
    }
    if (gen > stamped &&
        !vdGuardComplete(table, work, req->stored && !docStamped ? req->stored : NULL, gen,
                         VD_GUARD_COMPLETE_NEW | VD_GUARD_COMPLETE_STRIP |
                         VD_GUARD_COMPLETE_KEEP_ORDER, req, error))
        return 0;
    return gen;
}


bool
vdGuardApply(const vdTable *table,
             xmlDocPtr doc,
             const vdGuardRequest *req,
             vdGuardResult *res,
             GError **error)
{
    g_autoptr(xmlDoc) work = NULL;
    bool editPresent = false;
    unsigned int gen = 0;

    memset(res, 0, sizeof(*res));
    switch (req->context) {
    case VD_GUARD_LOAD:
    case VD_GUARD_MIGRATE:
    case VD_GUARD_RESTORE:
        return vdGuardVerify(table, doc, req, res, error);

    case VD_GUARD_NEW:
        if (!(gen = vdGuardNewGeneration(table, doc, req, error)))
            return false;
        work = vdGuardWorkCopy(doc, req);
        if (!vdGuardComplete(table, work ? work : doc, NULL, gen, VD_GUARD_COMPLETE_NEW, req, error))
            return false;
        break;

    case VD_GUARD_UPDATE:
        if (!(gen = vdGuardUpdateGeneration(table, doc, req, &editPresent, error)))
            return false;
        work = vdGuardWorkCopy(doc, req);
        /* the stored stamp still says what the engine supplied */
        if (!vdGuardComplete(table, work ? work : doc, editPresent ? NULL : req->stored, gen,
                             VD_GUARD_COMPLETE_NEW, req, error))
            return false;
        break;

    case VD_GUARD_UPGRADE:
        work = vdGuardWorkCopy(doc, req);
        if (!(gen = vdGuardUpgrade(table, doc, work ? work : doc, req, error)))
            return false;
        break;

    case VD_GUARD_PARSE:
        return vdGuardFillParse(table, doc, req, res, error);

    case VD_GUARD_LAST:
    default:
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, _("unknown context %1$d"), req->context);
        return false;
    }

    if (req->flags & VD_GUARD_NO_STAMP)
        vdGuardDropStamp(work ? work : doc);
    res->doc = g_steal_pointer(&work);
    res->generation = gen;
    res->notes = g_ptr_array_new_with_free_func(g_free);
    return true;
}


char *
vdGuardDiff(const vdTable *table,
            xmlDocPtr doc,
            unsigned int target,
            const char *name,
            GError **error)
{
    vdGuardRequest req = { .context = VD_GUARD_UPGRADE, .generation = target };
    vdGuardResult res = { 0 };
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *nameA = NULL;
    g_autofree char *nameB = NULL;
    char *diff;

    if (!vdGuardApply(table, doc, &req, &res, error))
        return NULL;
    a = vdXMLFormat(doc);
    b = vdXMLFormat(res.doc);
    nameA = g_strdup_printf("%s (generation %u)", name, vdStampGeneration(doc, NULL, NULL));
    nameB = g_strdup_printf("%s (generation %u)", name, res.generation);
    diff = vdDiffUnified(a, b, nameA, nameB, 3);
    vdGuardResultClear(&res);
    return diff ? diff : g_strdup("");
}


/* What of the emulator decided for @r: " (because the emulator has qemu-xhci)". */
static char *
vdGuardExplainCaps(const vdRule *r)
{
    g_autoptr(GString) has = g_string_new(NULL);
    g_autoptr(GString) lacks = g_string_new(NULL);
    char **c;

    for (c = r->caps; c && *c; c++) {
        GString *s = **c == '!' ? lacks : has;

        g_string_append_printf(s, "%s%s", s->len ? ", " : "", *c + (**c == '!'));
    }
    if (!has->len && !lacks->len)
        return NULL;
    if (!lacks->len)
        return g_strdup_printf(_(" (because the emulator has %1$s)"), has->str);
    if (!has->len)
        return g_strdup_printf(_(" (because the emulator lacks %1$s)"), lacks->str);
    return g_strdup_printf(_(" (because the emulator has %1$s and lacks %2$s)"), has->str, lacks->str);
}


static void
vdGuardExplainOne(GString *out,
                  const vdTable *table,
                  const char *what,
                  const char *origin)
{
    const vdRule *r = vdTableFindRule(table, origin);
    const char *mech = vdOriginDescribe(origin);

    if (r) {
        g_autofree char *why = vdGuardExplainCaps(r);

        g_string_append_printf(out, "%-44s %-36s gen %u  %s%s\n", what, r->id, r->generation,
                               r->reason ? r->reason : "", why ? why : "");
    }
    else
        g_string_append_printf(out, "%-44s %-36s        %s\n", what, origin,
                               mech ? mech : _("(rule not in this table)"));
}


/* An unstamped definition records nothing the engine supplied: say what it would
 * supply, from the plan for the definition as it stands (generation 1). */
static char *
vdGuardExplainPlan(const vdTable *table,
                   const vdDomainDef *def,
                   GError **error)
{
    vdEngineOptions opts = { .generation = 1, .newDomain = true };
    g_autoptr(vdPlan) plan = NULL;
    g_autoptr(GHashTable) keys = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    if (!(plan = vdEnginePlan(def, table, &opts, error)))
        return NULL;
    keys = vdDomainDefKeys(vdPlanView(plan));
    g_string_append(out, _("generation 1 (no stamp); completing it would supply:\n"));
    for (i = 0; i < vdPlanLength(plan); i++) {
        const vdEdit *e = vdPlanGet(plan, i);
        const char *key = e->planned ? g_hash_table_lookup(keys, e->planned) : NULL;
        g_autofree char *what = NULL;

        if (e->sameValue)
            continue;
        switch (e->type) {
        case VD_EDIT_SET_ARCH:
        case VD_EDIT_SET_MACHINE:
            what = g_strdup_printf("%s %s", e->type == VD_EDIT_SET_ARCH ? "arch" : "machine",
                                   vdPlanEditValue(plan, e));
            break;
        case VD_EDIT_ADD_DEVICE:
            what = g_strdup_printf("%s (added)", key);
            break;
        case VD_EDIT_SET_PROP:
            what = g_strdup_printf("%s %s='%s'", key, vdPropTypeToString(e->prop),
                                   vdPlanEditValue(plan, e) ? vdPlanEditValue(plan, e) : "");
            break;
        case VD_EDIT_SET_ADDRESS:
            what = g_strdup_printf("%s address", key);
            break;
        case VD_EDIT_REMOVE_DEVICE:
            what = g_strdup_printf("%s (removed)", key);
            break;
        case VD_EDIT_LAST:
            continue;
        }
        vdGuardExplainOne(out, table, what, e->rule ? e->rule : "");
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}


char *
vdGuardExplain(const vdTable *table,
               xmlDocPtr doc,
               GError **error)
{
    g_autoptr(vdDomainDef) def = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GHashTable) keys = NULL;
    vdStamp stamp = { 0 };
    size_t k;
    size_t p;
    guint i;

    if (!(def = vdGuardParse(doc, true, error)) || !vdStampRead(def, NULL, &stamp, error)) {
        vdStampClear(&stamp);
        return NULL;
    }
    vdStampTrust(table, def, &stamp, true);
    if (!stamp.present) {
        vdStampClear(&stamp);
        return vdGuardExplainPlan(table, def, error);
    }
    g_string_append_printf(out, _("generation %u\n"), stamp.generation);
    keys = vdDomainDefKeys(def);
    if (def->machineOrigin) {
        g_autofree char *what = g_strdup_printf("machine %s", def->machine ? def->machine : "");

        vdGuardExplainOne(out, table, what, def->machineOrigin);
    }
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[k], i);
            const char *key = g_hash_table_lookup(keys, dev);

            if (dev->origin) {
                g_autofree char *what = g_strdup_printf("%s (added)", key);

                vdGuardExplainOne(out, table, what, dev->origin);
                continue;
            }
            for (p = 0; p < VD_PROP_LAST; p++) {
                if (dev->propOrigin[p]) {
                    g_autofree char *what = g_strdup_printf("%s %s='%s'", key, vdPropTypeToString(p),
                                                            dev->props[p] ? dev->props[p] : "");

                    vdGuardExplainOne(out, table, what, dev->propOrigin[p]);
                }
            }
            if (dev->addrOrigin) {
                g_autofree char *what = g_strdup_printf("%s address", key);

                vdGuardExplainOne(out, table, what, dev->addrOrigin);
            }
        }
    }
    vdStampClear(&stamp);
    return g_string_free(g_steal_pointer(&out), FALSE);
}


/* The generation @doc is stamped with (1 without a stamp); 0 on error. */
unsigned int
vdGuardGeneration(xmlDocPtr doc,
                  bool *stamped,
                  GError **error)
{
    return vdStampGeneration(doc, stamped, error);
}


GPtrArray *
vdGuardCheckABI(xmlDocPtr a,
                xmlDocPtr b,
                GError **error)
{
    g_autoptr(vdDomainDef) da = NULL;
    g_autoptr(vdDomainDef) db = NULL;

    if (!(da = vdGuardParse(a, true, error)) || !(db = vdGuardParse(b, true, error)))
        return NULL;
    return vdAbiCompare(da, db);
}
