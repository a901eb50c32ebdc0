/*
 * vdstamp.h: the generation stamp a definition carries in <metadata>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"
#include "defaults/vdtable.h"

#define VD_STAMP_NS "https://libvirt.org/schemas/libvirt-defaults/1"
#define VD_STAMP_PREFIX "vd"

typedef struct {
    bool present;
    unsigned int generation;   /* 1 when absent: every unstamped definition is generation 1 */
    bool machineSupplied;      /* the engine chose or rewrote the machine type */
    char *machineInput;        /* the machine as the user wrote it; NULL = none */
} vdStamp;

void vdStampClear(vdStamp *stamp);
bool vdStampPresent(xmlDocPtr doc);
unsigned int vdStampGeneration(xmlDocPtr doc, bool *present, GError **error);
bool vdStampRead(vdDomainDef *def, xmlDocPtr from, vdStamp *stamp, GError **error);
void vdStampStrip(vdDomainDef *def, const vdStamp *stamp);
bool vdStampTrust(const vdTable *table, vdDomainDef *def, vdStamp *stamp, bool keepOrder);
guint vdStampClaims(const vdDomainDef *def);
bool vdStampWrite(vdDomainDef *def, unsigned int generation, const vdStamp *previous,
                  GError **error);
const char *vdOriginDescribe(const char *origin);
