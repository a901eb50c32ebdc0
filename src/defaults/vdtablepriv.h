/*
 * vdtablepriv.h: the table's internals shared by the XML loader and the compiled form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "defaults/vdtable.h"

vdTable *vdTableNew(void);
bool vdTableFinish(vdTable *table, GError **error);

void vdRuleFree(vdRule *rule);
void vdFamilyFree(vdFamily *fam);
void vdGenerationFree(vdGeneration *gen);
void vdCapsMachineFree(vdCapsMachine *m);
void vdCapsArchFree(vdCapsArch *a);

vdTable *vdTableLoadSource(const char *dir, GError **error);

GBytes *vdTableSerialize(const vdTable *table);
vdTable *vdTableDeserialize(GBytes *blob, GError **error);
char *vdTableDiff(const vdTable *a, const vdTable *b);
