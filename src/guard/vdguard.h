/*
 * vdguard.h: which generation applies to a definition, and what may change
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "engine/vdhost.h"
#include "util/vdenum.h"

/* Same values as vdContext in the public header. */
typedef enum {
    VD_GUARD_NEW,
    VD_GUARD_UPDATE,
    VD_GUARD_LOAD,
    VD_GUARD_MIGRATE,
    VD_GUARD_RESTORE,
    VD_GUARD_UPGRADE,
    VD_GUARD_PARSE,

    VD_GUARD_LAST
} vdGuardContext;
VD_ENUM_DECL(vdGuardContext);

typedef enum {
    /* complete the document itself, not a copy: res->doc stays NULL */
    VD_GUARD_IN_PLACE = 1 << 0,
    /* new: a stamp in the definition decides its generation; @generation only
     * applies to an unstamped one */
    VD_GUARD_KEEP_STAMP = 1 << 1,
    /* load, migrate, restore: devices the stamped generation adds and the
     * definition lacks, with nothing present changing, are added to it (as
     * libvirt does on every parse); without this the document stays as it is */
    VD_GUARD_FILL = 1 << 2,
    /* leave the stamp out of the result */
    VD_GUARD_NO_STAMP = 1 << 3,
    /* a running guest's definition: see vdEngineOptions.live */
    VD_GUARD_LIVE = 1 << 4,
} vdGuardFlags;

typedef struct {
    vdGuardContext context;
    unsigned int generation;   /* new: the one to use; upgrade: the target; 0 = current */
    xmlDocPtr stored;          /* update: the existing definition; upgrade: optional, the
                                * definition being upgraded when @doc is its new text */
    unsigned int flags;        /* vdGuardFlags */
    const vdEngineHost *host;  /* NULL: libvirt's defaults */
} vdGuardRequest;

typedef struct {
    xmlDocPtr doc;             /* the resulting definition */
    unsigned int generation;   /* the generation it is stamped with */
    GPtrArray *notes;          /* char *: what a reload found different, reported */
    bool changed;              /* load, migrate, restore: VD_GUARD_FILL added devices */
} vdGuardResult;

void vdGuardResultClear(vdGuardResult *res);

bool vdGuardApply(const vdTable *table,
                  xmlDocPtr doc,
                  const vdGuardRequest *req,
                  vdGuardResult *res,
                  GError **error);

char *vdGuardExplain(const vdTable *table, xmlDocPtr doc, GError **error);
char *vdGuardDiff(const vdTable *table, xmlDocPtr doc, unsigned int target,
                  const char *name, GError **error);
GPtrArray *vdGuardCheckABI(xmlDocPtr a, xmlDocPtr b, GError **error);
unsigned int vdGuardGeneration(xmlDocPtr doc, bool *stamped, GError **error);
