/*
 * vdtable.c: the defaults table, loaded from data files and validated
 *
 * The table is data: the XML files in src/defaults, validated against
 * docs/schemas/defaults.rng.  This file loads and checks them, and answers look-ups; it
 * knows nothing about devices.  The built-in table is loaded from XML only at build
 * time, by vdtablecompile; programs read its compiled form (vdtableblob.c), embedded
 * as a GResource with the schema that still checks other tables (vdTableLoadFiles).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <libxml/relaxng.h>
#include <stdlib.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#define VD_RESOURCE_PREFIX "/org/libvirt/defaults/"

static const char *const vdTableFiles[] = {
    "x86.xml", "arm.xml", "riscv.xml", "ppc64.xml", "s390x.xml", "common.xml", NULL
};

/* Every setting the engine understands.  A table that names another is refused. */
static const vdSettingInfo vdSettings[VD_SETTING_LAST] = {
    [VD_SETTING_MACHINE_DEFAULT] = { "machine.default", VD_SETTING_KIND_WORD, N_("machine type used when the definition names none") },
    [VD_SETTING_MACHINE_REFUSE] = { "machine.refuse", VD_SETTING_KIND_BOOL, N_("the machine family is refused outright") },
    [VD_SETTING_PCI_ROOT] = { "pci.root", VD_SETTING_KIND_WORD, N_("root PCI controller model (pci-root, pcie-root or none)") },
    [VD_SETTING_PCI_ROOT_MODEL_NAME] = { "pci.root-model-name", VD_SETTING_KIND_WORD, N_("QEMU device of the root PCI controller") },
    [VD_SETTING_PCI_CHIPSET] = { "pci.chipset", VD_SETTING_KIND_WORD, N_("integrated chipset whose slots are fixed (piix3, ich9 or none)") },
    [VD_SETTING_PCI_CHIPSET_SLOTS] = { "pci.chipset-slots", VD_SETTING_KIND_LIST, N_("where the chipset's own functions sit (name=slot.function, hex)") },
    [VD_SETTING_PCI_SPARE_ROOT_PORTS] = { "pci.spare-root-ports", VD_SETTING_KIND_UINT, N_("empty pcie-root-ports kept for hotplug on new definitions") },
    [VD_SETTING_PCI_SPARE_BRIDGE_SLOT] = { "pci.spare-bridge-slot", VD_SETTING_KIND_BOOL, N_("keep one pci-root slot free for a future pci-bridge") },
    [VD_SETTING_PCI_SUPPORTED] = { "pci.supported", VD_SETTING_KIND_BOOL, N_("the machine can have PCI devices at all") },
    [VD_SETTING_PCI_ZPCI] = { "pci.zpci", VD_SETTING_KIND_BOOL, N_("PCI devices also get a zPCI uid and fid") },
    [VD_SETTING_VIRTIO_MMIO_IF_PRESENT] = { "virtio.mmio-if-present", VD_SETTING_KIND_BOOL, N_("virtio devices use virtio-mmio when any device already does") },
    [VD_SETTING_VCPU_MAX_WITHOUT_EIM] = { "vcpu.max-without-eim", VD_SETTING_KIND_UINT, N_("most vCPUs a guest may have without an IOMMU in extended interrupt mode") },
    [VD_SETTING_PANIC_MODELS] = { "panic.models", VD_SETTING_KIND_LIST, N_("panic device models the machine supports") },
    [VD_SETTING_PCI_MULTIPLE_ROOTS] = { "pci.multiple-roots", VD_SETTING_KIND_BOOL, N_("grow the topology with more root buses instead of bridges") },
    [VD_SETTING_USB_IMPLICIT] = { "usb.implicit", VD_SETTING_KIND_WORD, N_("USB controller model added when there is none (none = add nothing, default = the one usb.default-model gives)") },
    [VD_SETTING_USB_DEFAULT_MODEL] = { "usb.default-model", VD_SETTING_KIND_WORD, N_("model given to a USB controller written without one (default = none)") },
    [VD_SETTING_USB_DEFAULT_MODEL_EXISTING] = { "usb.default-model-existing", VD_SETTING_KIND_WORD, N_("usb.default-model for a definition that is not new, where it differs") },
    [VD_SETTING_BALLOON_IMPLICIT] = { "balloon.implicit", VD_SETTING_KIND_WORD, N_("memory balloon model added when there is none (none = add nothing)") },
    [VD_SETTING_BALLOON_FREE_PAGE_REPORTING] = { "balloon.free-page-reporting", VD_SETTING_KIND_WORD, N_("freePageReporting of a balloon the engine adds") },
    [VD_SETTING_INPUT_IMPLICIT] = { "input.implicit", VD_SETTING_KIND_LIST, N_("inputs (type:bus) every definition gets") },
    [VD_SETTING_INPUT_IMPLICIT_GRAPHICS] = { "input.implicit-graphics", VD_SETTING_KIND_LIST, N_("inputs (type:bus) a definition with graphics gets") },
    [VD_SETTING_INPUT_IMPLICIT_NEEDS_USB] = { "input.implicit-needs-usb", VD_SETTING_KIND_BOOL, N_("implicit USB inputs are left out when USB is disabled") },
    [VD_SETTING_INPUT_TABLET_BUS] = { "input.tablet-bus", VD_SETTING_KIND_WORD, N_("bus of a tablet written without one") },
    [VD_SETTING_INPUT_DEFAULT_BUS] = { "input.default-bus", VD_SETTING_KIND_WORD, N_("bus of a mouse or keyboard written without one") },
    [VD_SETTING_SATA_IMPLICIT] = { "sata.implicit", VD_SETTING_KIND_BOOL, N_("the machine has a SATA controller at index 0") },
    [VD_SETTING_VIDEO_DEFAULT] = { "video.default", VD_SETTING_KIND_WORD, N_("video model for graphics without a video device") },
    [VD_SETTING_PANIC_IMPLICIT] = { "panic.implicit", VD_SETTING_KIND_WORD, N_("panic device model every definition gets (none = no device)") },
    [VD_SETTING_PANIC_DEFAULT_MODEL] = { "panic.default-model", VD_SETTING_KIND_WORD, N_("model of a panic device written without one") },
    [VD_SETTING_SERIAL_TARGET_TYPE] = { "serial.target-type", VD_SETTING_KIND_WORD, N_("target type of a serial port written without one") },
    [VD_SETTING_SERIAL_TARGET_MODEL] = { "serial.target-model", VD_SETTING_KIND_WORD, N_("target model of a serial port written without one") },
    [VD_SETTING_CONSOLE_TARGET_TYPE] = { "console.target-type", VD_SETTING_KIND_WORD, N_("target type of a console that has no serial port to mirror") },
    [VD_SETTING_NIC_DEFAULT_MODEL] = { "nic.default-model", VD_SETTING_KIND_WORD, N_("model of a network interface written without one") },
    [VD_SETTING_SCSI_DEFAULT_MODEL] = { "scsi.default-model", VD_SETTING_KIND_WORD, N_("model of a SCSI controller written without one") },
    [VD_SETTING_TPM_DEFAULT_MODEL] = { "tpm.default-model", VD_SETTING_KIND_WORD, N_("model of a TPM written without one") },
    [VD_SETTING_VIRTIO_TRANSPORT] = { "virtio.transport", VD_SETTING_KIND_WORD, N_("address type of virtio devices (pci, ccw or mmio)") },
    [VD_SETTING_RNG_BACKEND] = { "rng.backend", VD_SETTING_KIND_WORD, N_("host source of an RNG the engine adds") },
    [VD_SETTING_RNG_IMPLICIT] = { "rng.implicit", VD_SETTING_KIND_WORD, N_("RNG backend device added when there is none (none = add nothing)") },
    [VD_SETTING_WATCHDOG_IMPLICIT] = { "watchdog.implicit", VD_SETTING_KIND_WORD, N_("watchdog model every definition gets (none = no device)") },
    [VD_SETTING_AUDIO_VNC] = { "audio.vnc", VD_SETTING_KIND_WORD, N_("audio backend added for VNC graphics") },
    [VD_SETTING_AUDIO_SPICE] = { "audio.spice", VD_SETTING_KIND_WORD, N_("audio backend added for SPICE graphics") },
    [VD_SETTING_AUDIO_SDL] = { "audio.sdl", VD_SETTING_KIND_WORD, N_("audio backend added for SDL graphics") },
    [VD_SETTING_AUDIO_NONE] = { "audio.none", VD_SETTING_KIND_WORD, N_("audio backend added when there are no graphics") },
    [VD_SETTING_DISK_DRIVER_NAME] = { "disk.driver-name", VD_SETTING_KIND_WORD, N_("driver of a disk written without one") },
    [VD_SETTING_DISK_DRIVER_FORMAT] = { "disk.driver-format", VD_SETTING_KIND_WORD, N_("image format of a disk written without one") },
    [VD_SETTING_USB_DISK_MODEL] = { "usb.disk-model", VD_SETTING_KIND_WORD, N_("model of a USB disk written without one") },
    [VD_SETTING_USB_CDROM_MODEL] = { "usb.cdrom-model", VD_SETTING_KIND_WORD, N_("model of a USB CD-ROM written without one on a new definition") },
    [VD_SETTING_GRAPHICS_LISTEN] = { "graphics.listen", VD_SETTING_KIND_WORD, N_("listen type of VNC or SPICE graphics written without one") },
    [VD_SETTING_VIDEO_VRAM_CIRRUS] = { "video.vram.cirrus", VD_SETTING_KIND_UINT, N_("video memory of a cirrus card, KiB") },
    [VD_SETTING_VIDEO_VRAM_VGA] = { "video.vram.vga", VD_SETTING_KIND_UINT, N_("video memory of a VGA card, KiB") },
    [VD_SETTING_VIDEO_VRAM_VMVGA] = { "video.vram.vmvga", VD_SETTING_KIND_UINT, N_("video memory of a vmvga card, KiB") },
    [VD_SETTING_VIDEO_VRAM_QXL] = { "video.vram.qxl", VD_SETTING_KIND_UINT, N_("video memory of a QXL card, KiB") },
    [VD_SETTING_VIDEO_RAM_QXL] = { "video.ram.qxl", VD_SETTING_KIND_UINT, N_("RAM bar of a QXL card, KiB") },
    [VD_SETTING_VIDEO_VGAMEM_QXL] = { "video.vgamem.qxl", VD_SETTING_KIND_UINT, N_("VGA memory of a QXL card, KiB") },
    [VD_SETTING_VIDEO_VRAM_BOCHS] = { "video.vram.bochs", VD_SETTING_KIND_UINT, N_("video memory of a bochs card, KiB") },
    [VD_SETTING_VIDEO_VRAM_VIRTIO] = { "video.vram.virtio", VD_SETTING_KIND_UINT, N_("video memory of a virtio card, KiB (0 = none written)") },
    [VD_SETTING_FEATURES_PS2] = { "features.ps2", VD_SETTING_KIND_BOOL, N_("the <features><ps2> element is known (no = refused)") },
    [VD_SETTING_MEMORY_HOTPLUG_NEEDS_NUMA] = { "memory.hotplug-needs-numa", VD_SETTING_KIND_BOOL, N_("memory hotplug (<maxMemory>) is refused without a NUMA node") },
    [VD_SETTING_SHMEM_REFUSED_MODELS] = { "shmem.refused-models", VD_SETTING_KIND_LIST, N_("shmem models refused (a <shmem> without a model is ivshmem)") },
    [VD_SETTING_WATCHDOG_REFUSED_MODELS] = { "watchdog.refused-models", VD_SETTING_KIND_LIST, N_("watchdog models refused") },
    [VD_SETTING_VIDEO_PRIMARY_ONLY_MODELS] = { "video.primary-only-models", VD_SETTING_KIND_LIST, N_("video models refused anywhere but as the primary video device") },
    [VD_SETTING_NIC_USB_NET_NEEDS_ADDRESS] = { "nic.usb-net-needs-address", VD_SETTING_KIND_BOOL, N_("a usb-net interface is refused without an explicit USB address") },
    [VD_SETTING_USB_XHCI_MAX_PORTS] = { "usb.xhci-max-ports", VD_SETTING_KIND_UINT, N_("most ports an XHCI controller may be given") },
    [VD_SETTING_IDE_MAX_CONTROLLERS] = { "ide.max-controllers", VD_SETTING_KIND_UINT, N_("most IDE controllers a definition may have") },
    [VD_SETTING_PCI_EXPANDER_MODELS] = { "pci.expander-models", VD_SETTING_KIND_LIST, N_("the PCI expander bus models the machine takes") },
    [VD_SETTING_SCSI_MAX_BUSES] = { "scsi.max-buses", VD_SETTING_KIND_UINT, N_("buses a SCSI controller has for drive addresses") },
    [VD_SETTING_SPAPR_VIO_REGS] = { "spapr-vio.regs", VD_SETTING_KIND_LIST, N_("first spapr-vio reg per kind of device, and the step between two (name=value)") },
    [VD_SETTING_CCW_SUBCHANNEL_SET] = { "ccw.subchannel-set", VD_SETTING_KIND_LIST, N_("channel subsystem and subchannel set of new CCW devices (cssid=, ssid=)") },
};

const vdSettingInfo *
vdSettingFind(const char *name)
{
    return vdSettingGet(vdSettingFromName(name));
}


/* The setting called @name, or VD_SETTING_LAST when there is none. */
vdSetting
vdSettingFromName(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdSettings); i++) {
        if (g_str_equal(vdSettings[i].name, name))
            return i;
    }
    return VD_SETTING_LAST;
}


const vdSettingInfo *
vdSettingGet(vdSetting setting)
{
    return setting < VD_SETTING_LAST ? &vdSettings[setting] : NULL;
}


const vdSettingInfo *
vdSettingList(size_t *n)
{
    *n = G_N_ELEMENTS(vdSettings);
    return vdSettings;
}


void
vdRuleFree(vdRule *rule)
{
    if (!rule)
        return;
    g_free(rule->id);
    g_free(rule->setting);
    g_free(rule->value);
    g_free(rule->reason);
    g_strfreev(rule->arches);
    g_free(rule->family);
    g_free(rule->minVersion);
    g_free(rule->maxVersion);
    g_strfreev(rule->caps);
    g_free(rule->file);
    g_free(rule);
}


void
vdFamilyFree(vdFamily *fam)
{
    if (!fam)
        return;
    g_free(fam->name);
    g_strfreev(fam->arches);
    g_strfreev(fam->machines);
    g_free(fam);
}


void
vdGenerationFree(vdGeneration *gen)
{
    if (!gen)
        return;
    g_free(gen->title);
    g_free(gen);
}


void
vdCapsMachineFree(vdCapsMachine *m)
{
    if (!m)
        return;
    g_free(m->name);
    g_free(m->alias);
    g_free(m->defaultCPU);
    g_free(m);
}


void
vdCapsArchFree(vdCapsArch *a)
{
    if (!a)
        return;
    g_free(a->name);
    g_free(a->emulator);
    g_ptr_array_unref(a->machines);
    g_strfreev(a->flags);
    g_free(a);
}


void
vdTableFree(vdTable *table)
{
    if (!table)
        return;
    /* a compiled table that failed half-way has some arrays still NULL */
    g_clear_pointer(&table->rules, g_ptr_array_unref);
    g_clear_pointer(&table->families, g_ptr_array_unref);
    g_clear_pointer(&table->generations, g_ptr_array_unref);
    g_clear_pointer(&table->arches, g_ptr_array_unref);
    g_clear_pointer(&table->bySetting, g_hash_table_unref);
    g_clear_pointer(&table->profiles, g_hash_table_unref);
    g_mutex_clear(&table->profilesLock);
    if (table->storageFree)
        table->storageFree(table->storage);
    g_free(table);
}


vdTable *
vdTableNew(void)
{
    vdTable *table = g_new0(vdTable, 1);

    table->rules = g_ptr_array_new_with_free_func((GDestroyNotify)vdRuleFree);
    table->families = g_ptr_array_new_with_free_func((GDestroyNotify)vdFamilyFree);
    table->generations = g_ptr_array_new_with_free_func((GDestroyNotify)vdGenerationFree);
    table->arches = g_ptr_array_new_with_free_func((GDestroyNotify)vdCapsArchFree);
    g_mutex_init(&table->profilesLock);
    return table;
}


static char **
vdSplitWords(const char *s)
{
    g_auto(GStrv) parts = NULL;
    GPtrArray *out;
    size_t i;

    if (!s)
        return NULL;
    parts = g_strsplit_set(s, " \t\n", -1);
    out = g_ptr_array_new();
    for (i = 0; parts[i]; i++) {
        if (*parts[i])
            g_ptr_array_add(out, g_strdup(parts[i]));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}


/* The trailing version of a machine type: "pc-q35-5.2" -> "5.2"; NULL if none. */
char *
vdMachineVersion(const char *machine)
{
    const char *dash;
    const char *p;

    if (!machine || !(dash = strrchr(machine, '-')))
        return NULL;
    for (p = dash + 1; *p; p++) {
        if (!g_ascii_isdigit(*p) && *p != '.')
            return NULL;
    }
    if (!g_ascii_isdigit(dash[1]))
        return NULL;
    return g_strdup(dash + 1);
}


/* Compares dotted versions numerically: "5.2" < "5.10". */
int
vdMachineVersionCompare(const char *a,
                        const char *b)
{
    while (*a || *b) {
        guint64 x = g_ascii_strtoull(a, (char **)&a, 10);
        guint64 y = g_ascii_strtoull(b, (char **)&b, 10);

        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if (!*a && !*b)
            break;
    }
    return 0;
}


bool
vdSettingValueValid(const vdSettingInfo *info,
                    const char *value)
{
    guint64 n;

    switch (info->kind) {
    case VD_SETTING_KIND_WORD:
        return *value && !strpbrk(value, " \t\n");
    case VD_SETTING_KIND_LIST:
        return *value != '\0';
    case VD_SETTING_KIND_UINT:
        return g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT, &n, NULL);
    case VD_SETTING_KIND_BOOL:
        return g_str_equal(value, "yes") || g_str_equal(value, "no");
    }
    return false;
}


static xmlRelaxNGPtr
vdTableSchema(GError **error)
{
    g_autoptr(GBytes) rng = NULL;
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr schema;
    gsize len;
    const char *data;

    if (!(rng = g_resources_lookup_data(VD_RESOURCE_PREFIX "schemas/defaults.rng",
                                        G_RESOURCE_LOOKUP_FLAGS_NONE, error)))
        return NULL;
    data = g_bytes_get_data(rng, &len);
    pctxt = xmlRelaxNGNewMemParserCtxt(data, (int)len);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema)
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, _("the table schema does not parse"));
    return schema;
}


typedef struct {
    GString *msg;
} vdSchemaErrors;

static void
vdSchemaError(void *opaque, const char *fmt, ...)
{
    vdSchemaErrors *errs = opaque;
    va_list ap;

    if (errs->msg->len > 0)
        return; /* the first error is the useful one */
    va_start(ap, fmt);
    g_string_append_vprintf(errs->msg, fmt, ap);
    va_end(ap);
}


static void
vdSchemaStructuredError(void *opaque, xmlErrorPtr err)
{
    vdSchemaErrors *errs = opaque;

    if (errs->msg->len > 0 || !err)
        return;
    g_string_append_printf(errs->msg, "line %d: %s", err->line, err->message ? err->message : "");
}


static bool
vdTableValidate(xmlDocPtr doc,
                const char *name,
                GError **error)
{
    static xmlRelaxNGPtr schema;
    xmlRelaxNGValidCtxtPtr vctxt;
    vdSchemaErrors errs = { g_string_new(NULL) };
    int rc;

    if (!schema && !(schema = vdTableSchema(error))) {
        g_string_free(errs.msg, TRUE);
        return false;
    }
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidErrors(vctxt, vdSchemaError, vdSchemaError, &errs);
    xmlRelaxNGSetValidStructuredErrors(vctxt, vdSchemaStructuredError, &errs);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc != 0) {
        g_strchomp(errs.msg->str);
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("table file '%1$s' does not match the schema: %2$s"), name, errs.msg->str);
        g_string_free(errs.msg, TRUE);
        return false;
    }
    g_string_free(errs.msg, TRUE);
    return true;
}


/* Two optional word lists that say the same. */
static bool
vdStrvSame(char **a,
           char **b)
{
    if (!a || !b)
        return !a && !b;
    return g_strv_equal((const char *const *)a, (const char *const *)b);
}


static bool
vdTableAddRule(vdTable *table,
               xmlNodePtr node,
               unsigned int generation,
               const char *name,
               GError **error)
{
    vdRule *rule = g_new0(vdRule, 1);
    const vdSettingInfo *info;
    g_autofree char *arch = vdXMLPropGet(node, "arch");
    g_autofree char *caps = vdXMLPropGet(node, "caps");
    xmlNodePtr reason = vdXMLChild(node, "reason");
    guint i;

    rule->id = vdXMLPropGet(node, "id");
    rule->setting = vdXMLPropGet(node, "setting");
    rule->value = vdXMLPropGet(node, "value");
    rule->family = vdXMLPropGet(node, "family");
    rule->minVersion = vdXMLPropGet(node, "min-version");
    rule->maxVersion = vdXMLPropGet(node, "max-version");
    rule->arches = vdSplitWords(arch);
    rule->caps = vdSplitWords(caps);
    rule->generation = generation;
    rule->reason = reason ? g_strstrip(vdXMLContent(reason)) : NULL;
    rule->file = g_strdup(name);
    rule->line = xmlGetLineNo(node);
    g_ptr_array_add(table->rules, rule);

    if (!(info = vdSettingFind(rule->setting))) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("%1$s:%2$d: rule '%3$s' names the unknown setting '%4$s'"),
                    name, rule->line, rule->id, rule->setting);
        return false;
    }
    if (!vdSettingValueValid(info, rule->value)) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("%1$s:%2$d: rule '%3$s' gives '%4$s' the invalid value '%5$s'"),
                    name, rule->line, rule->id, rule->setting, rule->value);
        return false;
    }
    if (rule->family) {
        bool found = false;

        for (i = 0; i < table->families->len; i++)
            found |= g_str_equal(((vdFamily *)g_ptr_array_index(table->families, i))->name,
                                 rule->family);
        if (!found) {
            g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                        _("%1$s:%2$d: rule '%3$s' names the unknown machine family '%4$s'"),
                        name, rule->line, rule->id, rule->family);
            return false;
        }
    }
    for (i = 0; i + 1 < table->rules->len; i++) {
        vdRule *other = g_ptr_array_index(table->rules, i);

        if (g_str_equal(other->id, rule->id)) {
            g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                        _("%1$s:%2$d: rule id '%3$s' is already used at %4$s:%5$d"),
                        name, rule->line, rule->id, other->file, other->line);
            return false;
        }
        if (other->generation == rule->generation &&
            g_str_equal(other->setting, rule->setting) &&
            g_strcmp0(other->family, rule->family) == 0 &&
            g_strcmp0(other->minVersion, rule->minVersion) == 0 &&
            g_strcmp0(other->maxVersion, rule->maxVersion) == 0 &&
            vdStrvSame(other->arches, rule->arches) &&
            vdStrvSame(other->caps, rule->caps)) {
            g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                        _("%1$s:%2$d: rule '%3$s' sets '%4$s' for the same machines as rule '%5$s' in the same generation"),
                        name, rule->line, rule->id, rule->setting, other->id);
            return false;
        }
    }
    return true;
}


static bool
vdTableLoadDoc(vdTable *table,
               xmlDocPtr doc,
               const char *name,
               GError **error)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr n;
    g_autofree char *current = vdXMLPropGet(root, "current");

    if (!vdTableValidate(doc, name, error))
        return false;

    if (current) {
        unsigned int cur = (unsigned int)g_ascii_strtoull(current, NULL, 10);

        if (table->current && table->current != cur) {
            g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                        _("%1$s: current generation %2$u disagrees with %3$u set elsewhere"),
                        name, cur, table->current);
            return false;
        }
        table->current = cur;
    }

    for (n = vdXMLFirstElement(root); n; n = vdXMLNextElement(n)) {
        if (vdXMLNameIs(n, "family")) {
            vdFamily *fam = g_new0(vdFamily, 1);
            g_autofree char *arch = vdXMLPropGet(n, "arch");
            g_autofree char *machines = vdXMLPropGet(n, "machines");

            fam->name = vdXMLPropGet(n, "name");
            fam->arches = vdSplitWords(arch);
            fam->machines = vdSplitWords(machines);
            g_ptr_array_add(table->families, fam);
        } else if (vdXMLNameIs(n, "generation")) {
            g_autofree char *num = vdXMLPropGet(n, "number");
            unsigned int number = (unsigned int)g_ascii_strtoull(num, NULL, 10);
            xmlNodePtr r;

            if (!vdTableFindGeneration(table, number)) {
                vdGeneration *gen = g_new0(vdGeneration, 1);

                gen->number = number;
                gen->title = vdXMLPropGet(n, "title");
                gen->released = vdXMLPropIs(n, "released", "yes");
                g_ptr_array_add(table->generations, gen);
            }
            for (r = vdXMLFirstElement(n); r; r = vdXMLNextElement(r)) {
                if (!vdTableAddRule(table, r, number, name, error))
                    return false;
            }
        }
    }
    return true;
}


/* A table with the rules of @base and the emulator profiles of @doc (either form, see
 * vdCapsMerge()) in place of @base's: it shares everything else with @base, which must
 * outlive it. */
vdTable *
vdTableDerive(const vdTable *base,
              xmlDocPtr doc,
              GError **error)
{
    g_autoptr(vdTable) table = g_new0(vdTable, 1);

    g_mutex_init(&table->profilesLock);
    table->rules = g_ptr_array_ref(base->rules);
    table->families = g_ptr_array_ref(base->families);
    table->generations = g_ptr_array_ref(base->generations);
    table->bySetting = base->bySetting ? g_hash_table_ref(base->bySetting) : NULL;
    table->current = base->current;
    if (!(table->arches = vdCapsMerge(base->arches, doc, error)))
        return NULL;
    return g_steal_pointer(&table);
}


/* Use the emulator profile in @path instead of the built-in QEMU 7.2 one: ours, for
 * every architecture, or libvirt's <qemuCaps> of one emulator, for its architecture. */
bool
vdTableLoadCapsFile(vdTable *table,
                    const char *path,
                    GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    GPtrArray *arches;

    if (!(doc = vdXMLParseFile(path, NULL, error)) ||
        !(arches = vdCapsMerge(table->arches, doc, error)))
        return false;
    /* a new array: the old one may borrow its entries from the compiled table */
    g_ptr_array_unref(table->arches);
    table->arches = arches;
    /* profiles resolved against the old capabilities no longer hold */
    if (table->profiles)
        g_hash_table_remove_all(table->profiles);
    return true;
}


static gint
vdGenerationCmp(gconstpointer a,
                gconstpointer b)
{
    const vdGeneration *x = *(const vdGeneration **)a;
    const vdGeneration *y = *(const vdGeneration **)b;

    return (int)x->number - (int)y->number;
}


bool
vdTableFinish(vdTable *table,
              GError **error)
{
    guint i;

    /* a lookup only looks at the rules of its setting */
    table->bySetting = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)g_ptr_array_unref);
    for (i = 0; i < table->rules->len; i++) {
        vdRule *r = g_ptr_array_index(table->rules, i);
        GPtrArray *list = g_hash_table_lookup(table->bySetting, r->setting);

        if (!list) {
            list = g_ptr_array_new();
            g_hash_table_insert(table->bySetting, r->setting, list);
        }
        g_ptr_array_add(list, r);
    }

    g_ptr_array_sort(table->generations, vdGenerationCmp);
    if (table->generations->len == 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE, _("the table defines no generation"));
        return false;
    }
    if (!table->current)
        table->current = ((vdGeneration *)g_ptr_array_index(table->generations,
                                                            table->generations->len - 1))->number;
    if (!vdTableFindGeneration(table, table->current)) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("the current generation %1$u is not defined"), table->current);
        return false;
    }
    return true;
}


/* The built-in table as its XML source gives it: the files of src/defaults in @dir, named
 * in messages and in vdRule.file by their bare names, with the QEMU 7.2 profile of
 * @dir/caps.  Only vdtablecompile, which turns it into the compiled table, and the test
 * that compares the two read the XML. */
vdTable *
vdTableLoadSource(const char *dir,
                  GError **error)
{
    g_autoptr(vdTable) table = vdTableNew();
    g_autofree char *capsPath = g_build_filename(dir, "caps", "qemu-7.2.xml", NULL);
    g_autoptr(xmlDoc) capsDoc = NULL;
    size_t i;

    for (i = 0; vdTableFiles[i]; i++) {
        g_autofree char *path = g_build_filename(dir, vdTableFiles[i], NULL);
        g_autoptr(xmlDoc) doc = NULL;

        if (!(doc = vdXMLParseFile(path, "defaults", error)) ||
            !vdTableLoadDoc(table, doc, vdTableFiles[i], error))
            return NULL;
    }
    if (!(capsDoc = vdXMLParseFile(capsPath, "capabilities", error)) ||
        !vdCapsLoad(table->arches, capsDoc, error))
        return NULL;
    if (!vdTableFinish(table, error))
        return NULL;
    return g_steal_pointer(&table);
}


/* The built-in table, from its compiled form (vdtableblob.c): the XML was parsed and
 * validated when the program was built. */
vdTable *
vdTableLoadDefault(GError **error)
{
    g_autoptr(GBytes) blob = NULL;

    if (!(blob = g_resources_lookup_data(VD_RESOURCE_PREFIX "table/compiled.gvariant",
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, error)))
        return NULL;
    return vdTableDeserialize(blob, error);
}


vdTable *
vdTableLoadFiles(const char *const *paths,
                 const char *capsPath,
                 GError **error)
{
    g_autoptr(vdTable) table = vdTableNew();
    g_autoptr(xmlDoc) capsDoc = NULL;
    size_t i;

    for (i = 0; paths[i]; i++) {
        g_autoptr(xmlDoc) doc = NULL;

        if (!(doc = vdXMLParseFile(paths[i], "defaults", error)) ||
            !vdTableLoadDoc(table, doc, paths[i], error))
            return NULL;
    }
    if (!(capsDoc = vdXMLParseFile(capsPath, "capabilities", error)) ||
        !vdCapsLoad(table->arches, capsDoc, error))
        return NULL;
    if (!vdTableFinish(table, error))
        return NULL;
    return g_steal_pointer(&table);
}


static bool
vdStrvContains(char **v,
               const char *s)
{
    return v && s && g_strv_contains((const char *const *)v, s);
}


const vdFamily *
vdTableFindFamily(const vdTable *table,
                  const char *arch,
                  const char *machine)
{
    guint i;
    size_t j;

    for (i = 0; i < table->families->len; i++) {
        vdFamily *fam = g_ptr_array_index(table->families, i);

        if (fam->arches && !vdStrvContains(fam->arches, arch))
            continue;
        for (j = 0; fam->machines && fam->machines[j]; j++) {
            if (machine && g_pattern_match_simple(fam->machines[j], machine))
                return fam;
        }
    }
    return NULL;
}


/* The rule for @setting under @generation: the newest generation that says anything
 * about these machines wins, and within it the most specific rule. */
const vdRule *
vdTableLookup(const vdTable *table,
              const char *setting,
              unsigned int generation,
              const char *arch,
              const char *family,
              const char *machine)
{
    GPtrArray *rules = table->bySetting ? g_hash_table_lookup(table->bySetting, setting) : NULL;
    g_autofree char *version = NULL;
    const vdCapsArch *caps;
    const vdRule *best = NULL;
    int bestScore = -1;
    guint i;

    if (!rules)
        return NULL;
    version = vdMachineVersion(machine);
    caps = vdTableFindArch(table, arch);
    for (i = 0; i < rules->len; i++) {
        const vdRule *r = g_ptr_array_index(rules, i);
        int score = 0;

        if (r->generation > generation)
            continue;
        if (r->arches) {
            if (!vdStrvContains(r->arches, arch))
                continue;
            score += 1;
        }
        if (r->family) {
            if (g_strcmp0(r->family, family) != 0)
                continue;
            score += 2;
        }
        if (r->minVersion || r->maxVersion) {
            if (!version)
                continue;
            if (r->minVersion && vdMachineVersionCompare(version, r->minVersion) < 0)
                continue;
            if (r->maxVersion && vdMachineVersionCompare(version, r->maxVersion) > 0)
                continue;
            score += 4;
        }
        if (r->caps) {
            if (!vdRuleCapsHold(r, caps))
                continue;
            score += 8;
        }
        if (!best || r->generation > best->generation ||
            (r->generation == best->generation && score > bestScore)) {
            best = r;
            bestScore = score;
        }
    }
    return best;
}


const vdRule *
vdTableFindRule(const vdTable *table,
                const char *id)
{
    guint i;

    for (i = 0; i < table->rules->len; i++) {
        const vdRule *r = g_ptr_array_index(table->rules, i);

        if (g_str_equal(r->id, id))
            return r;
    }
    return NULL;
}


const vdGeneration *
vdTableFindGeneration(const vdTable *table,
                      unsigned int number)
{
    guint i;

    for (i = 0; i < table->generations->len; i++) {
        const vdGeneration *g = g_ptr_array_index(table->generations, i);

        if (g->number == number)
            return g;
    }
    return NULL;
}


const vdCapsArch *
vdTableFindArch(const vdTable *table,
                const char *arch)
{
    guint i;

    for (i = 0; i < table->arches->len; i++) {
        const vdCapsArch *a = g_ptr_array_index(table->arches, i);

        if (g_str_equal(a->name, arch))
            return a;
    }
    return NULL;
}


static int
vdCapsFlagCmp(const void *key,
              const void *elem)
{
    return g_strcmp0(key, *(char *const *)elem);
}


bool
vdCapsArchHas(const vdCapsArch *arch,
              const char *flag)
{
    return arch && arch->flags &&
        bsearch(flag, arch->flags, g_strv_length(arch->flags), sizeof(char *), vdCapsFlagCmp);
}


/* Whether the emulator profile @arch has every capability @rule asks for and none of
 * those it must lack. */
bool
vdRuleCapsHold(const vdRule *rule,
               const vdCapsArch *arch)
{
    char **c;

    for (c = rule->caps; c && *c; c++) {
        bool lack = **c == '!';

        if (vdCapsArchHas(arch, *c + lack) == lack)
            return false;
    }
    return true;
}


const vdCapsMachine *
vdCapsArchFindMachine(const vdCapsArch *arch,
                      const char *name)
{
    guint i;

    for (i = 0; i < arch->machines->len; i++) {
        const vdCapsMachine *m = g_ptr_array_index(arch->machines, i);

        if (g_str_equal(m->name, name) || g_strcmp0(m->alias, name) == 0)
            return m;
    }
    return NULL;
}
