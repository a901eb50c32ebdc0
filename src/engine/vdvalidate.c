/*
 * vdvalidate.c: what libvirt 9.0 refuses once a definition is complete
 *
 * The mechanisms are here; which models, limits and features a generation refuses
 * are settings of the table, so that a later generation can lift them.  Each check
 * reads its setting only when the definition has the device it is about.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

/* Whether the list setting @setting names @value. */
static bool
vdValidateListed(const vdEngineCtx *ctx,
                 vdSetting setting,
                 const char *value)
{
    return vdProfileListHas(vdEngineSetting(ctx, setting, NULL), value);
}


static void
vdValidateSetFree(GHashTable *set)
{
    if (set)
        g_hash_table_unref(set);
}


/* A disk on a SCSI controller's second bus, which no SCSI controller has; a PCI
 * controller index beyond what a bus number holds. */
static bool
vdValidateLimits(const vdEngineCtx *ctx,
                 GError **error)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_DISK); i++) {
        vdDevice *d = vdDomainDefGet(ctx->def, VD_DEVICE_DISK, i);

        if (vdDiskBusIs(d, VD_DISK_BUS_SCSI) && d->addr.type == VD_ADDRESS_DRIVE &&
            d->addr.bus >= vdEngineSettingUInt(ctx, VD_SETTING_SCSI_MAX_BUSES, G_MAXUINT)) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("SCSI controller only supports %1$u bus"),
                        vdEngineSettingUInt(ctx, VD_SETTING_SCSI_MAX_BUSES, 0));
            return false;
        }
    }
    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(ctx->def, VD_DEVICE_CONTROLLER, i);

        if (vdControllerIs(c, VD_CONTROLLER_PCI) && vdDeviceIndex(c) > VD_DOMAIN_MAX_PCI_INDEX) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("PCI controller index %1$d too high, maximum is %2$d"),
                        vdDeviceIndex(c), VD_DOMAIN_MAX_PCI_INDEX);
            return false;
        }
    }
    return true;
}


/* IDE needs the PIIX3 chipset, and it has one controller. */
static bool
vdValidateIDE(const vdEngineCtx *ctx,
              const vdDevice *c,
              GError **error)
{
    unsigned int max;

    if (!vdEngineSettingIs(ctx, VD_SETTING_PCI_CHIPSET, "piix3")) {
        if (!ctx->def->machine)
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("IDE controllers are unsupported for this QEMU binary or machine type: generation %1$u picks '%2$s' when no machine is given; give machine='pc' or use SATA disks"),
                        ctx->opts->generation, ctx->profile->machine);
        else
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("IDE controllers are unsupported for this QEMU binary or machine type"));
        return false;
    }
    max = vdEngineSettingUInt(ctx, VD_SETTING_IDE_MAX_CONTROLLERS, G_MAXUINT);
    if (vdDeviceIndex(c) >= 0 && (unsigned int)vdDeviceIndex(c) >= max) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Only %1$u IDE controller is supported"), max);
        return false;
    }
    return true;
}


/* Two controllers of one type and index, two disks on one target. */
static bool
vdValidateDuplicates(const vdDomainDef *def,
                     GError **error)
{
    /* "type index" -> the ICH9 companion models seen there, or NULL for any other
     * controller: a USB2 set shares one index, one controller per model */
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify)vdValidateSetFree);
    g_autoptr(GHashTable) targets = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        const char *type = vdDeviceGet(c, VD_PROP_TYPE);
        const char *model = vdDeviceGet(c, VD_PROP_MODEL);
        bool companion = vdDeviceUSBModel(c)->ich9;
        g_autofree char *key = g_strdup_printf("%s %d", type ? type : "", vdDeviceIndex(c));
        GHashTable *models = NULL;

        if (!g_hash_table_lookup_extended(seen, key, NULL, (gpointer *)&models)) {
            if (companion) {
                models = g_hash_table_new(g_str_hash, g_str_equal);
                g_hash_table_add(models, (gpointer)model);
            }
            g_hash_table_insert(seen, g_steal_pointer(&key), models);
            continue;
        }
        if (!companion || !models || !g_hash_table_add(models, (gpointer)model)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("Multiple '%1$s' controllers with index '%2$d'"), type, vdDeviceIndex(c));
            return false;
        }
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_DISK); i++) {
        const char *dev = vdDeviceGet(vdDomainDefGet(def, VD_DEVICE_DISK, i), VD_PROP_DEV);

        if (dev && !g_hash_table_add(targets, (gpointer)dev)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("target '%1$s' duplicated for disk sources"), dev);
            return false;
        }
    }
    return true;
}


/* What the domain as a whole must have for its devices and features. */
static bool
vdValidateDomain(const vdEngineCtx *ctx,
                 GError **error)
{
    const vdDomainDef *def = ctx->def;
    unsigned int maxVcpus;
    guint i;

    if (def->hasPS2Feature && !vdEngineSettingIs(ctx, VD_SETTING_FEATURES_PS2, "yes")) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("unexpected feature 'ps2': libvirt 9.0 does not know it"));
        return false;
    }
    if (def->hasMaxMemory && !def->hasNUMA &&
        vdEngineSettingIs(ctx, VD_SETTING_MEMORY_HOTPLUG_NEEDS_NUMA, "yes")) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("At least one numa node has to be configured when enabling memory hotplug"));
        return false;
    }
    maxVcpus = vdEngineSettingUInt(ctx, VD_SETTING_VCPU_MAX_WITHOUT_EIM, G_MAXUINT);
    if (def->vcpus > maxVcpus) {
        for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_IOMMU); i++) {
            if (vdDevicePropIs(vdDomainDefGet(def, VD_DEVICE_IOMMU, i), VD_PROP_IOMMU_EIM, "on"))
                return true;
        }
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("more than %1$u vCPUs require extended interrupt mode enabled on the iommu device"),
                    maxVcpus);
        return false;
    }
    return true;
}


/* Models libvirt 9.0 or its QEMU does not have, or has only in one place. */
static bool
vdValidateModels(const vdEngineCtx *ctx,
                 GError **error)
{
    const vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_SHMEM); i++) {
        const char *model = vdDeviceGet(vdDomainDefGet(def, VD_DEVICE_SHMEM, i), VD_PROP_MODEL);

        /* a <shmem> without a model is the legacy ivshmem device */
        if (vdValidateListed(ctx, VD_SETTING_SHMEM_REFUSED_MODELS, model ? model : "ivshmem")) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("ivshmem device is not supported with this QEMU binary"));
            return false;
        }
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_WATCHDOG); i++) {
        const char *m = vdDeviceGet(vdDomainDefGet(def, VD_DEVICE_WATCHDOG, i), VD_PROP_MODEL);

        if (vdValidateListed(ctx, VD_SETTING_WATCHDOG_REFUSED_MODELS, m)) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("watchdog model '%1$s' is not known to libvirt 9.0"), m);
            return false;
        }
    }
    for (i = 1; i < vdDomainDefCount(def, VD_DEVICE_VIDEO); i++) {
        vdDevice *v = vdDomainDefGet(def, VD_DEVICE_VIDEO, i);
        const char *m = vdDeviceGet(v, VD_PROP_MODEL);

        if (vdDevicePropIs(v, VD_PROP_VIDEO_PRIMARY, "yes")) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("Only one primary video device is supported"));
            return false;
        }
        if (vdValidateListed(ctx, VD_SETTING_VIDEO_PRIMARY_ONLY_MODELS, m)) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("video type '%1$s' is only valid as primary video device"), m);
            return false;
        }
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INTERFACE); i++) {
        vdDevice *n = vdDomainDefGet(def, VD_DEVICE_INTERFACE, i);

        if (vdDevicePropIs(n, VD_PROP_MODEL, "usb-net") && n->addr.type != VD_ADDRESS_USB &&
            vdEngineSettingIs(ctx, VD_SETTING_NIC_USB_NET_NEEDS_ADDRESS, "yes")) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("a usb-net interface needs an explicit USB address in libvirt 9.0"));
            return false;
        }
    }
    return true;
}


/* Controllers: how many of a kind, how many ports. */
/* A PCI expander bus only where the machine has one of that kind. */
static bool
vdValidateExpander(const vdEngineCtx *ctx,
                   const vdDevice *c,
                   GError **error)
{
    const char *model = vdDeviceGet(c, VD_PROP_MODEL);

    if ((g_strcmp0(model, "pci-expander-bus") != 0 && g_strcmp0(model, "pcie-expander-bus") != 0) ||
        vdValidateListed(ctx, VD_SETTING_PCI_EXPANDER_MODELS, model))
        return true;
    if (g_str_equal(model, "pci-expander-bus"))
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED, "%s",
                    _("pci-expander-bus controllers are only supported on 440fx-based machinetypes"));
    else
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED, "%s",
                    _("pcie-expander-bus controllers are not supported with this machine type"));
    return false;
}


static bool
vdValidateControllers(const vdEngineCtx *ctx,
                      GError **error)
{
    const vdDomainDef *def = ctx->def;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        const char *ports = vdDeviceGet(c, VD_PROP_PORTS);

        if (ports && vdDeviceUSBModel(c)->xhci) {
            unsigned int max = vdEngineSettingUInt(ctx, VD_SETTING_USB_XHCI_MAX_PORTS, G_MAXUINT);

            if (g_ascii_strtoull(ports, NULL, 10) > max) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("'%1$s' controller only supports up to '%2$u' ports"),
                            vdDeviceGet(c, VD_PROP_MODEL), max);
                return false;
            }
        }
        if (vdControllerIs(c, VD_CONTROLLER_IDE) && !vdValidateIDE(ctx, c, error))
            return false;
        if (vdControllerIs(c, VD_CONTROLLER_PCI) && !vdValidateExpander(ctx, c, error))
            return false;
    }
    return true;
}


static bool
vdValidateUSBInputs(const vdEngineCtx *ctx,
                    GError **error)
{
    guint i;

    if (!vdEngineUSBDisabled(ctx))
        return true;
    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_INPUT); i++) {
        if (vdDevicePropIs(vdDomainDefGet(ctx->def, VD_DEVICE_INPUT, i), VD_PROP_BUS, "usb")) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("Can't add USB input device. USB bus is disabled"));
            return false;
        }
    }
    return true;
}


static bool
vdValidatePanic(const vdEngineCtx *ctx,
                GError **error)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_PANIC); i++) {
        const char *model = vdDeviceGet(vdDomainDefGet(ctx->def, VD_DEVICE_PANIC, i), VD_PROP_MODEL);

        if (model && vdValidateListed(ctx, VD_SETTING_PANIC_MODELS, model))
            continue;
        if (g_strcmp0(model, "isa") == 0)
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("the QEMU binary does not support the ISA panic device"));
        else
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("panic model '%1$s' is not supported by this machine"),
                        model ? model : "");
        return false;
    }
    return true;
}


/* Refuse what libvirt 9.0 refuses of a completed definition, in its order. */
/* A vfio-ccw mediated device is a channel device: no other kind of address. */
static bool
vdValidateMdev(const vdDomainDef *def,
               GError **error)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_HOSTDEV); i++) {
        const vdDevice *h = vdDomainDefGet(def, VD_DEVICE_HOSTDEV, i);

        if (!vdDevicePropIs(h, VD_PROP_TYPE, "mdev") ||
            !vdDevicePropIs(h, VD_PROP_HOSTDEV_MODEL, "vfio-ccw") ||
            h->addr.type == VD_ADDRESS_NONE || h->addr.type == VD_ADDRESS_CCW)
            continue;
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("Unsupported address type '%1$s' with mediated device model 'vfio-ccw'"),
                    vdAddressTypeTypeToString(h->addr.type));
        return false;
    }
    return true;
}


bool
vdEngineValidate(const vdEngineCtx *ctx,
                 GError **error)
{
    return vdValidateDuplicates(ctx->def, error) &&
           vdValidateMdev(ctx->def, error) &&
           vdValidateLimits(ctx, error) &&
           vdValidateDomain(ctx, error) &&
           vdValidateModels(ctx, error) &&
           vdValidateUSBInputs(ctx, error) &&
           vdValidateControllers(ctx, error) &&
           vdValidatePanic(ctx, error);
}
