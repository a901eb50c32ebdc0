/*
 * vdtable.h: the defaults table, loaded from data files and validated
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
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
    char **caps;            /* what the emulator must have ("qemu-xhci") or lack
                             * ("!qemu-xhci"), all of it; NULL = anything */
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
    char *defaultCPU;       /* QEMU's CPU type for the machine, NULL = unknown */
    bool isDefault;         /* the emulator's own default machine */
};

typedef struct _vdCapsArch vdCapsArch;
struct _vdCapsArch {
    char *name;
    char *emulator;
    GPtrArray *machines;    /* vdCapsMachine * */
    unsigned int version;   /* QEMU's, 7002000 for 7.2.0; 0 = unknown */
    char **flags;           /* libvirt's capability names, sorted; NULL = none */
    unsigned int gics;      /* bit n set: GIC version n is emulated */
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
    /* resolved profiles (src/engine/vdprofile.c), shared by the definitions of one
     * arch, machine and generation; the table only owns and locks them */
    GMutex profilesLock;
    GHashTable *profiles;
};

/* Every setting the engine consults; vdSettingGet() describes each. */
typedef enum {
    VD_SETTING_MACHINE_DEFAULT,
    VD_SETTING_MACHINE_REFUSE,
    VD_SETTING_PCI_ROOT,
    VD_SETTING_PCI_ROOT_MODEL_NAME,
    VD_SETTING_PCI_CHIPSET,
    VD_SETTING_PCI_CHIPSET_SLOTS,
    VD_SETTING_PCI_SPARE_ROOT_PORTS,
    VD_SETTING_PCI_SPARE_BRIDGE_SLOT,
    VD_SETTING_PCI_SUPPORTED,
    VD_SETTING_PCI_ZPCI,
    VD_SETTING_VIRTIO_MMIO_IF_PRESENT,
    VD_SETTING_VCPU_MAX_WITHOUT_EIM,
    VD_SETTING_PANIC_MODELS,
    VD_SETTING_PCI_MULTIPLE_ROOTS,
    VD_SETTING_USB_IMPLICIT,
    VD_SETTING_USB_DEFAULT_MODEL,
    VD_SETTING_USB_DEFAULT_MODEL_EXISTING,
    VD_SETTING_BALLOON_IMPLICIT,
    VD_SETTING_BALLOON_FREE_PAGE_REPORTING,
    VD_SETTING_INPUT_IMPLICIT,
    VD_SETTING_INPUT_IMPLICIT_GRAPHICS,
    VD_SETTING_INPUT_IMPLICIT_NEEDS_USB,
    VD_SETTING_INPUT_TABLET_BUS,
    VD_SETTING_INPUT_DEFAULT_BUS,
    VD_SETTING_SATA_IMPLICIT,
    VD_SETTING_VIDEO_DEFAULT,
    VD_SETTING_PANIC_IMPLICIT,
    VD_SETTING_PANIC_DEFAULT_MODEL,
    VD_SETTING_SERIAL_TARGET_TYPE,
    VD_SETTING_SERIAL_TARGET_MODEL,
    VD_SETTING_CONSOLE_TARGET_TYPE,
    VD_SETTING_NIC_DEFAULT_MODEL,
    VD_SETTING_SCSI_DEFAULT_MODEL,
    VD_SETTING_TPM_DEFAULT_MODEL,
    VD_SETTING_VIRTIO_TRANSPORT,
    VD_SETTING_RNG_BACKEND,
    VD_SETTING_RNG_IMPLICIT,
    VD_SETTING_WATCHDOG_IMPLICIT,
    VD_SETTING_AUDIO_VNC,
    VD_SETTING_AUDIO_SPICE,
    VD_SETTING_AUDIO_SDL,
    VD_SETTING_AUDIO_NONE,
    VD_SETTING_DISK_DRIVER_NAME,
    VD_SETTING_DISK_DRIVER_FORMAT,
    VD_SETTING_USB_DISK_MODEL,
    VD_SETTING_USB_CDROM_MODEL,
    VD_SETTING_GRAPHICS_LISTEN,
    VD_SETTING_VIDEO_VRAM_CIRRUS,
    VD_SETTING_VIDEO_VRAM_VGA,
    VD_SETTING_VIDEO_VRAM_VMVGA,
    VD_SETTING_VIDEO_VRAM_QXL,
    VD_SETTING_VIDEO_RAM_QXL,
    VD_SETTING_VIDEO_VGAMEM_QXL,
    VD_SETTING_VIDEO_VRAM_BOCHS,
    VD_SETTING_VIDEO_VRAM_VIRTIO,
    VD_SETTING_FEATURES_PS2,
    VD_SETTING_MEMORY_HOTPLUG_NEEDS_NUMA,
    VD_SETTING_SHMEM_REFUSED_MODELS,
    VD_SETTING_WATCHDOG_REFUSED_MODELS,
    VD_SETTING_VIDEO_PRIMARY_ONLY_MODELS,
    VD_SETTING_NIC_USB_NET_NEEDS_ADDRESS,
    VD_SETTING_USB_XHCI_MAX_PORTS,
    VD_SETTING_IDE_MAX_CONTROLLERS,
    VD_SETTING_SCSI_MAX_BUSES,
    VD_SETTING_PCI_EXPANDER_MODELS,
    VD_SETTING_SPAPR_VIO_REGS,
    VD_SETTING_CCW_SUBCHANNEL_SET,

    VD_SETTING_LAST
} vdSetting;

/* What a setting's value must look like. */
typedef enum {
    VD_SETTING_KIND_WORD,
    VD_SETTING_KIND_LIST,
    VD_SETTING_KIND_UINT,
    VD_SETTING_KIND_BOOL,
} vdSettingKind;

typedef struct {
    const char *name;
    vdSettingKind kind;
    const char *help;
} vdSettingInfo;

vdTable *vdTableLoadDefault(GError **error);
vdTable *vdTableLoadFiles(const char *const *paths, const char *capsPath, GError **error);
bool vdTableLoadCapsFile(vdTable *table, const char *path, GError **error);
vdTable *vdTableDerive(const vdTable *base, xmlDocPtr doc, GError **error);
void vdTableFree(vdTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdTable, vdTableFree);

const vdSettingInfo *vdSettingFind(const char *name);
const vdSettingInfo *vdSettingGet(vdSetting setting);
vdSetting vdSettingFromName(const char *name);
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
bool vdCapsArchHas(const vdCapsArch *arch, const char *flag);
bool vdRuleCapsHold(const vdRule *rule, const vdCapsArch *arch);
const vdCapsMachine *vdCapsArchFindMachine(const vdCapsArch *arch, const char *name);

int vdMachineVersionCompare(const char *a, const char *b);
char *vdMachineVersion(const char *machine);
