/*
 * vdenginepriv.h: state shared by the steps of the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "engine/vdengine.h"
#include "engine/vdprofile.h"

typedef struct {
    vdDomainDef *def;
    const vdProfile *profile;
    const vdEngineOptions *opts;
} vdEngineCtx;

/* Device kinds in the order libvirt walks a definition's devices (CCW and zPCI
 * numbers are handed out in this order). */
#define VD_ITERATE_KINDS 26
extern const vdDeviceKind vdIterateOrder[VD_ITERATE_KINDS];

/* Which devices are of a given kind of bus: rows of (kind, property, value); the
 * property VD_MATCH_ANY matches every device of the kind, a NULL value any set value,
 * and a value starting with '!' every value but that one. */
typedef struct {
    vdDeviceKind kind;
    vdProp prop;
    const char *value;
} vdDeviceMatch;

#define VD_MATCH_ANY VD_PROP_LAST

bool vdDeviceMatches(const vdDevice *d, const vdDeviceMatch *rows, size_t nrows);

/* A setting of the profile; every rule the engine consults is part of the
 * definition's provenance (rulesUsed), whether it filled something or not. */
static inline const char *
vdEngineSetting(const vdEngineCtx *ctx,
                vdSetting setting,
                const char **origin)
{
    const vdRule *r = vdProfileRule(ctx->profile, setting);

    if (r && ctx->def->rulesUsed)
        g_hash_table_add(ctx->def->rulesUsed, r->id);
    if (origin)
        *origin = r ? r->id : NULL;
    return r ? r->value : NULL;
}

static inline bool
vdEngineSettingIs(const vdEngineCtx *ctx,
                  vdSetting setting,
                  const char *value)
{
    return g_strcmp0(vdEngineSetting(ctx, setting, NULL), value) == 0;
}

static inline unsigned int
vdEngineSettingUInt(const vdEngineCtx *ctx,
                    vdSetting setting,
                    unsigned int dflt)
{
    const char *v = vdEngineSetting(ctx, setting, NULL);

    return v ? (unsigned int)g_ascii_strtoull(v, NULL, 10) : dflt;
}

bool vdEngineUSBDisabled(const vdEngineCtx *ctx);
bool vdEngineValidate(const vdEngineCtx *ctx, GError **error);

bool vdEngineAssignPCI(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignVirtioSerial(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignSpaprVIO(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignCCW(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignUSB(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignCCID(vdEngineCtx *ctx, GError **error);
bool vdEngineAssignMemorySlots(vdEngineCtx *ctx, GError **error);

/* Rule ids for behaviour that is libvirt's own mechanism rather than a table row. */
#define VD_ORIGIN_ADDRESS "libvirt.address-assignment"
#define VD_ORIGIN_INDEX "libvirt.controller-index"
#define VD_ORIGIN_IMPLICIT "libvirt.implicit-controller"
#define VD_ORIGIN_CONSOLE "libvirt.console-compat"
