/*
 * vdprofile.h: the table resolved for one definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "defaults/vdtable.h"

/* What the table says for one architecture, machine type and generation: every
 * setting looked up once, before the planner runs.  Read-only once resolved, and
 * shared by every definition with the same three (the table caches it). */
typedef struct _vdProfile vdProfile;
struct _vdProfile {
    unsigned int generation;
    char *arch;
    char *machine;                  /* canonical: aliases resolved */
    const char *family;             /* NULL when no family matches */
    const char *emulator;
    const vdCapsArch *caps;         /* the emulator's profile for the arch */
    unsigned int maxCpus;
    bool archDefaulted;             /* the definition names no arch */
    const char *machineOrigin;      /* why machine differs from what was written, or NULL */
    const vdRule *machineRule;      /* the rule that picked the machine, if one did */
    const vdRule *rules[VD_SETTING_LAST];
};

const vdProfile *vdProfileResolve(const vdTable *table,
                                  const char *arch,
                                  const char *machine,
                                  unsigned int generation,
                                  GError **error);

const vdRule *vdProfileRule(const vdProfile *profile, vdSetting setting);
const char *vdProfileGet(const vdProfile *profile, vdSetting setting);
bool vdProfileIs(const vdProfile *profile, vdSetting setting, const char *value);
unsigned int vdProfileUInt(const vdProfile *profile, vdSetting setting, unsigned int dflt);
bool vdProfileListHas(const char *list, const char *word);
const char *vdProfileItem(const char *list, const char *name, guint nth, size_t *len);
