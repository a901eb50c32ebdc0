/*
 * vdtablepriv.h: the table's internals shared by the XML loader and the compiled form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libxml/tree.h>

#include "defaults/vdtable.h"

vdTable *vdTableNew(void);
bool vdTableFinish(vdTable *table, GError **error);

void vdRuleFree(vdRule *rule);
void vdFamilyFree(vdFamily *fam);
void vdGenerationFree(vdGeneration *gen);
void vdCapsMachineFree(vdCapsMachine *m);
void vdCapsArchFree(vdCapsArch *a);

vdTable *vdTableLoadSource(const char *dir, GError **error);

vdCapsArch *vdCapsParseQemuCaps(xmlNodePtr root, GError **error);
bool vdCapsLoad(GPtrArray *arches, xmlDocPtr doc, GError **error);
GPtrArray *vdCapsMerge(const GPtrArray *arches, xmlDocPtr doc, GError **error);

GBytes *vdTableSerialize(const vdTable *table);
vdTable *vdTableDeserialize(GBytes *blob, GError **error);
char *vdTableDiff(const vdTable *a, const vdTable *b);
