/*
 * vdenginepriv.h: state shared by the steps of the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "engine/vdengine.h"

typedef struct {
    vdDomainDef *def;
    const vdTable *table;
    const vdEngineOptions *opts;
    const char *arch;
    const char *machine;      /* canonical */
    const char *family;       /* NULL when no family matches */
    GHashTable *settings;     /* setting -> rule (or the table itself for "none"), per call */
} vdEngineCtx;

/* Device kinds in the order libvirt walks a definition's devices (CCW and zPCI
 * numbers are handed out in this order). */
#define VD_ITERATE_KINDS 26
extern const vdDeviceKind vdIterateOrder[VD_ITERATE_KINDS];

const char *vdEngineSetting(const vdEngineCtx *ctx, const char *setting, const char **origin);
bool vdEngineSettingIs(const vdEngineCtx *ctx, const char *setting, const char *value);
unsigned int vdEngineSettingUInt(const vdEngineCtx *ctx, const char *setting, unsigned int dflt);

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
