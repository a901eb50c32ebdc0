/*
 * libvirt-defaults.c: the public API of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "libvirt-defaults.h"
#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "guard/vdstamp.h"
#include "util/vderror.h"
#include "util/vdxml.h"

struct _vdDefaults {
    gint ref;
    vdTable *table;
    vdDefaults *base;    /* the defaults an emulator's own were made from, or NULL */
};

VD_ENUM_DECL(vdContext);
VD_ENUM_IMPL(vdContext, VD_CONTEXT_LAST,
             "new", "update", "load", "migrate", "restore", "upgrade", "parse");

const char *
vdContextToString(vdContext ctx)
{
    return vdContextTypeToString(ctx);
}


int
vdContextFromString(const char *str)
{
    return vdContextTypeFromString(str);
}


vdDefaults *
vdDefaultsNew(GError **error)
{
    g_autoptr(vdDefaults) d = g_new0(vdDefaults, 1);

    d->ref = 1;
    if (!(d->table = vdTableLoadDefault(error)))
        return NULL;
    return g_steal_pointer(&d);
}


vdDefaults *
vdDefaultsNewForEmulator(vdDefaults *defaults,
                         const char *qemuCaps,
                         gssize len,
                         GError **error)
{
    g_autoptr(vdDefaults) d = g_new0(vdDefaults, 1);
    g_autoptr(xmlDoc) doc = NULL;

    d->ref = 1;
    if (len < 0)
        len = qemuCaps ? strlen(qemuCaps) : 0;
    if (!(doc = vdXMLParse(qemuCaps ? qemuCaps : "", len, NULL, "qemuCaps", error)) ||
        !(d->table = vdTableDerive(defaults->table, doc, error)))
        return NULL;
    /* the derived table shares the rules of this one */
    g_atomic_int_inc(&defaults->ref);
    d->base = defaults;
    return g_steal_pointer(&d);
}


void
vdDefaultsFree(vdDefaults *defaults)
{
    if (!defaults || !g_atomic_int_dec_and_test(&defaults->ref))
        return;
    vdTableFree(defaults->table);
    vdDefaultsFree(defaults->base);
    g_free(defaults);
}


unsigned int
vdDefaultsCurrentGeneration(const vdDefaults *defaults)
{
    return defaults->table->current;
}


G_STATIC_ASSERT((int)VD_CONTEXT_LAST == (int)VD_GUARD_LAST);
G_STATIC_ASSERT((int)VD_CONTEXT_UPGRADE == (int)VD_GUARD_UPGRADE);
G_STATIC_ASSERT((int)VD_CONTEXT_PARSE == (int)VD_GUARD_PARSE);

char *
vdDefaultsApply(vdDefaults *defaults,
                const char *xml,
                const char *storedXML,
                vdContext ctx,
                unsigned int generation,
                char ***warnings,
                GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) stored = NULL;
    vdGuardRequest req = { .context = (vdGuardContext)ctx, .generation = generation };
    vdGuardResult res = { 0 };
    char *out;

    if (!(doc = vdXMLParse(xml, strlen(xml), NULL, "domain", error)))
        return NULL;
    if (storedXML && !(stored = vdXMLParse(storedXML, strlen(storedXML), NULL, "domain", error)))
        return NULL;
    req.stored = stored;
    if (!vdGuardApply(defaults->table, doc, &req, &res, error)) {
        vdGuardResultClear(&res);
        return NULL;
    }
    if (warnings) {
        g_ptr_array_add(res.notes, NULL);
        *warnings = (char **)g_ptr_array_steal(res.notes, NULL);
    }
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    return out;
}


gboolean
vdDefaultsHasGeneration(const vdDefaults *defaults,
                        unsigned int generation)
{
    return vdTableFindGeneration(defaults->table, generation) != NULL;
}


unsigned int
vdDefaultsStampedGeneration(xmlNodePtr domain,
                            gboolean *stamped)
{
    bool present = false;
    unsigned int gen;

    if (!domain || !domain->doc)
        return 0;
    gen = vdStampGeneration(domain->doc, &present, NULL);
    if (stamped)
        *stamped = present;
    return gen;
}


/* A definition inside a larger document (a snapshot, a migration cookie) is
 * checked as a document of its own. */
static xmlDocPtr
vdDefaultsDetach(xmlNodePtr domain)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");

    xmlDocSetRootElement(doc, xmlDocCopyNode(domain, doc, 1));
    return doc;
}


/* Give @domain the children of @completed, its completed copy. */
static void
vdDefaultsAttach(xmlNodePtr domain,
                 xmlNodePtr completed)
{
    xmlNodePtr n;

    while ((n = domain->children)) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    for (n = completed->children; n; n = n->next)
        xmlAddChild(domain, xmlDocCopyNode(n, domain->doc, 1));
}


gboolean
vdDefaultsComplete(vdDefaults *defaults,
                   xmlNodePtr domain,
                   xmlDocPtr stored,
                   vdContext ctx,
                   unsigned int generation,
                   unsigned int flags,
                   char ***warnings,
                   GError **error)
{
    return vdDefaultsCompleteHost(defaults, domain, stored, ctx, generation, flags, NULL,
                                  warnings, error);
}


gboolean
vdDefaultsCompleteHost(vdDefaults *defaults,
                       xmlNodePtr domain,
                       xmlDocPtr stored,
                       vdContext ctx,
                       unsigned int generation,
                       unsigned int flags,
                       const vdHostSettings *host,
                       char ***warnings,
                       GError **error)
{
    g_autoptr(xmlDoc) detached = NULL;
    vdEngineHost engineHost = { 0 };
    vdGuardRequest req = {
        .context = (vdGuardContext)ctx,
        .generation = generation,
        .stored = stored,
        .flags = VD_GUARD_IN_PLACE | VD_GUARD_FILL,
    };
    vdGuardResult res = { 0 };
    xmlDocPtr doc;

    if (!domain || domain->type != XML_ELEMENT_NODE || !domain->doc ||
        !vdXMLNameIs(domain, "domain")) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, _("expected a <domain> element"));
        return FALSE;
    }
    if (flags & VD_DEFAULTS_KEEP_STAMP)
        req.flags |= VD_GUARD_KEEP_STAMP;
    if (flags & VD_DEFAULTS_NO_STAMP)
        req.flags |= VD_GUARD_NO_STAMP;
    if (flags & VD_DEFAULTS_LIVE)
        req.flags |= VD_GUARD_LIVE;
    if (host) {
        engineHost.channelTargetDir = host->channelTargetDir;
        engineHost.vncAllowHostAudio = host->vncAllowHostAudio;
        engineHost.nogfxAllowHostAudio = host->nogfxAllowHostAudio;
        engineHost.audioDriver = host->audioDriver;
        engineHost.sdlAudioDriver = host->sdlAudioDriver;
        req.host = &engineHost;
    }
    doc = domain->doc;
    if (xmlDocGetRootElement(doc) != domain) {
        if (ctx != VD_CONTEXT_LOAD && ctx != VD_CONTEXT_MIGRATE && ctx != VD_CONTEXT_RESTORE &&
            ctx != VD_CONTEXT_PARSE) {
            g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                        _("context '%1$s' completes a whole document, not an element inside one"),
                        vdContextToString(ctx));
            return FALSE;
        }
        doc = detached = vdDefaultsDetach(domain);
    }
    if (!vdGuardApply(defaults->table, doc, &req, &res, error)) {
        vdGuardResultClear(&res);
        return FALSE;
    }
    if (detached && res.changed)
        vdDefaultsAttach(domain, xmlDocGetRootElement(detached));
    if (warnings) {
        g_ptr_array_add(res.notes, NULL);
        *warnings = (char **)g_ptr_array_steal(res.notes, NULL);
    }
    vdGuardResultClear(&res);
    return TRUE;
}
