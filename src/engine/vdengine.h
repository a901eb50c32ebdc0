/*
 * vdengine.h: apply the defaults table to a domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "engine/vdhost.h"
#include "engine/vdplan.h"

typedef struct {
    unsigned int generation;
    /* libvirt's VIR_DOMAIN_DEF_PARSE_ABI_UPDATE: a definition being created, which may
     * get defaults an existing one must not (e.g. USB port addresses). */
    bool newDomain;
    /* a running guest's definition (no VIR_DOMAIN_DEF_PARSE_INACTIVE): the runtime
     * state a stored definition drops is kept */
    bool live;
    /* NULL: libvirt's own defaults for them */
    const vdEngineHost *host;
} vdEngineOptions;

/* What the table would change in @def, which it leaves as it is. */
vdPlan *vdEnginePlan(const vdDomainDef *def,
                     const vdTable *table,
                     const vdEngineOptions *opts,
                     GError **error);

/* vdEnginePlan() and vdPlanApply() in one. */
bool vdEngineApply(vdDomainDef *def,
                   const vdTable *table,
                   const vdEngineOptions *opts,
                   GError **error);
