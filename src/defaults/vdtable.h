/*
 * vdtable.h: the defaults table, loaded from data files and validated
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _vdRule vdRule;
struct _vdRule {
    char *id;
    char *setting;
    char *value;
    char *reason;
    unsigned int generation;
    char **arches;          /* NULL = every architecture */
    char *family;           /* NULL = every machine family */
    char *minVersion;       /* machine version range, inclusive; NULL = open */
    char *maxVersion;
    char *file;             /* where it was defined, for messages */
    int line;
};

typedef struct _vdFamily vdFamily;
struct _vdFamily {
    char *name;
    char **arches;
    char **machines;        /* glob patterns on machine names */
};

typedef struct _vdGeneration vdGeneration;
struct _vdGeneration {
    unsigned int number;
    char *title;
    bool released;
};

typedef struct _vdCapsMachine vdCapsMachine;
struct _vdCapsMachine {
    char *name;
    char *alias;
    unsigned int maxCpus;
};

typedef struct _vdCapsArch vdCapsArch;
struct _vdCapsArch {
    char *name;
    char *emulator;
    GPtrArray *machines;    /* vdCapsMachine * */
};

typedef struct _vdTable vdTable;
struct _vdTable {
    GPtrArray *rules;        /* vdRule *, in file order */
    GPtrArray *families;     /* vdFamily * */
    GPtrArray *generations;  /* vdGeneration *, sorted by number */
    GPtrArray *arches;       /* vdCapsArch *: the emulator capability profile */
    unsigned int current;    /* the generation new definitions get */
    GHashTable *bySetting;   /* setting -> GPtrArray of vdRule *, built at load */
    /* A table read from its compiled form (vdtableblob.c) borrows its strings and
     * records from one block, freed with the table; NULL for a table read from XML. */
    gpointer storage;
    GDestroyNotify storageFree;
};

/* What a setting's value must look like. */
typedef enum {
    VD_SETTING_WORD,
    VD_SETTING_LIST,
    VD_SETTING_UINT,
    VD_SETTING_BOOL,
} vdSettingKind;

typedef struct {
    const char *name;
    vdSettingKind kind;
    const char *help;
} vdSettingInfo;

vdTable *vdTableLoadDefault(GError **error);
vdTable *vdTableLoadFiles(const char *const *paths, const char *capsPath, GError **error);
bool vdTableLoadCapsFile(vdTable *table, const char *path, GError **error);
void vdTableFree(vdTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdTable, vdTableFree);

const vdSettingInfo *vdSettingFind(const char *name);
const vdSettingInfo *vdSettingList(size_t *n);
bool vdSettingValueValid(const vdSettingInfo *info, const char *value);

const vdFamily *vdTableFindFamily(const vdTable *table, const char *arch, const char *machine);
const vdRule *vdTableLookup(const vdTable *table,
                            const char *setting,
                            unsigned int generation,
                            const char *arch,
                            const char *family,
                            const char *machine);
const vdRule *vdTableFindRule(const vdTable *table, const char *id);
const vdGeneration *vdTableFindGeneration(const vdTable *table, unsigned int number);

const vdCapsArch *vdTableFindArch(const vdTable *table, const char *arch);
const vdCapsMachine *vdCapsArchFindMachine(const vdCapsArch *arch, const char *name);

int vdMachineVersionCompare(const char *a, const char *b);
char *vdMachineVersion(const char *machine);
