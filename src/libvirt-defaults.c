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
#include "engine/vdengine.h"
#include "util/vderror.h"
#include "util/vdxml.h"

struct _vdDefaults {
    vdTable *table;
};

VD_ENUM_DECL(vdContext);
VD_ENUM_IMPL(vdContext, VD_CONTEXT_LAST,
             "new", "update", "load", "migrate", "restore", "upgrade");

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

    if (!(d->table = vdTableLoadDefault(error)))
        return NULL;
    return g_steal_pointer(&d);
}


void
vdDefaultsFree(vdDefaults *defaults)
{
    if (!defaults)
        return;
    vdTableFree(defaults->table);
    g_free(defaults);
}


unsigned int
vdDefaultsCurrentGeneration(const vdDefaults *defaults)
{
    return defaults->table->current;
}


char *
vdDefaultsApply(vdDefaults *defaults,
                const char *xml,
                vdContext ctx,
                unsigned int generation,
                GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(vdDomainDef) def = NULL;
    vdEngineOptions opts = { 0 };

    if (!(doc = vdXMLParse(xml, strlen(xml), NULL, "domain", error)) ||
        !(def = vdDomainDefParse(doc, error)))
        return NULL;
    opts.generation = generation ? generation : defaults->table->current;
    opts.newDomain = ctx == VD_CONTEXT_NEW;
    if (!vdEngineApply(def, defaults->table, &opts, error) ||
        !vdDomainDefSync(def, error))
        return NULL;
    return vdXMLFormat(doc);
}
