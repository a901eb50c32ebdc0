/*
 * vdaddrccw.c: CCW device numbers on s390, and virtio-mmio on boards without PCI
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

/* Devices that are virtio devices, and so CCW devices on s390 and virtio-mmio ones
 * on boards without PCI. */
static const vdDeviceMatch vdVirtioDevices[] = {
    { VD_DEVICE_DISK, VD_PROP_BUS, "virtio" },
    { VD_DEVICE_INTERFACE, VD_PROP_MODEL, "virtio" },
    { VD_DEVICE_INTERFACE, VD_PROP_MODEL, "virtio-transitional" },
    { VD_DEVICE_INTERFACE, VD_PROP_MODEL, "virtio-non-transitional" },
    { VD_DEVICE_VIDEO, VD_PROP_MODEL, "virtio" },
    { VD_DEVICE_INPUT, VD_PROP_BUS, "virtio" },
    { VD_DEVICE_CONTROLLER, VD_PROP_TYPE, "virtio-serial" },
    { VD_DEVICE_CONTROLLER, VD_PROP_TYPE, "scsi" },
    { VD_DEVICE_HOSTDEV, VD_PROP_TYPE, "scsi_host" },
    { VD_DEVICE_MEMBALLOON, VD_PROP_MODEL, "!none" },
    { VD_DEVICE_RNG, VD_MATCH_ANY, NULL },
    { VD_DEVICE_FILESYSTEM, VD_MATCH_ANY, NULL },
    { VD_DEVICE_VSOCK, VD_MATCH_ANY, NULL },
    { VD_DEVICE_CRYPTO, VD_MATCH_ANY, NULL },
    { VD_DEVICE_MEMORY, VD_PROP_MODEL, "virtio-pmem" },
    { VD_DEVICE_MEMORY, VD_PROP_MODEL, "virtio-mem" },
};


static bool
vdCCWIsVirtio(const vdDevice *d)
{
    return vdDeviceMatches(d, vdVirtioDevices, G_N_ELEMENTS(vdVirtioDevices));
}


/* CCW devices: the virtio ones, and a channel device handed to the guest */
static bool
vdCCWTakesAddress(const vdDevice *d)
{
    if (d->kind == VD_DEVICE_HOSTDEV && vdDevicePropIs(d, VD_PROP_TYPE, "mdev"))
        return vdDevicePropIs(d, VD_PROP_HOSTDEV_MODEL, "vfio-ccw");
    return vdCCWIsVirtio(d);
}


static bool
vdEngineHasVirtioMMIO(vdEngineCtx *ctx)
{
    size_t k;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            if (((vdDevice *)g_ptr_array_index(ctx->def->devices[k], i))->addr.type ==
                VD_ADDRESS_VIRTIO_MMIO)
                return true;
        }
    }
    return false;
}


/* virtio-mmio machines: every virtio device without an address is declared mmio. */
static void
vdEngineAssignVirtioMMIO(vdEngineCtx *ctx)
{
    size_t k;
    guint i;

    for (k = 0; k < G_N_ELEMENTS(vdIterateOrder); k++) {
        GPtrArray *devs = ctx->def->devices[vdIterateOrder[k]];

        for (i = 0; i < devs->len; i++) {
            vdDevice *d = g_ptr_array_index(devs, i);
            vdAddress a = { .type = VD_ADDRESS_VIRTIO_MMIO, .opaque = true };

            if (d->addr.type != VD_ADDRESS_NONE || !vdCCWIsVirtio(d) ||
                d->kind == VD_DEVICE_FILESYSTEM || d->kind == VD_DEVICE_VSOCK)
                continue;
            vdDeviceSetAddress(d, &a, VD_ORIGIN_ADDRESS);
        }
    }
}


/* The channel subsystem and subchannel set new CCW devices go to. */
static bool
vdCCWSubchannelSet(const vdEngineCtx *ctx,
                   unsigned int *cssid,
                   unsigned int *ssid,
                   GError **error)
{
    const char *list = vdEngineSetting(ctx, VD_SETTING_CCW_SUBCHANNEL_SET, NULL);
    size_t len;
    const char *c = vdProfileItem(list, "cssid", 0, &len);
    const char *s = vdProfileItem(list, "ssid", 0, &len);

    if (!c || !s) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("the table gives no subchannel set for CCW devices (setting ccw.subchannel-set)"));
        return false;
    }
    *cssid = g_ascii_strtoull(c, NULL, 0);
    *ssid = g_ascii_strtoull(s, NULL, 0);
    return true;
}


bool
vdEngineAssignCCW(vdEngineCtx *ctx,
                  GError **error)
{
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
    unsigned int devno = 0;
    unsigned int cssid;
    unsigned int ssid;
    size_t k;
    guint i;

    if (vdEngineSettingIs(ctx, VD_SETTING_VIRTIO_TRANSPORT, "mmio") ||
        (vdEngineSettingIs(ctx, VD_SETTING_VIRTIO_MMIO_IF_PRESENT, "yes") && vdEngineHasVirtioMMIO(ctx))) {
        vdEngineAssignVirtioMMIO(ctx);
        return true;
    }
    if (!vdEngineSettingIs(ctx, VD_SETTING_VIRTIO_TRANSPORT, "ccw"))
        return true;
    if (!vdCCWSubchannelSet(ctx, &cssid, &ssid, error))
        return false;

    /* the device numbers taken in the set where new ones go; the search only moves up */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            vdDevice *d = g_ptr_array_index(ctx->def->devices[k], i);

            if (d->addr.type == VD_ADDRESS_CCW && d->addr.cssid == cssid && d->addr.ssid == ssid &&
                !g_hash_table_add(used, GUINT_TO_POINTER(d->addr.devno + 1))) {
                g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                            _("The CCW devno '%1$x.%2$x.%3$04x' is in use already"),
                            cssid, ssid, d->addr.devno);
                return false;
            }
        }
    }

    for (k = 0; k < G_N_ELEMENTS(vdIterateOrder); k++) {
        GPtrArray *devs = ctx->def->devices[vdIterateOrder[k]];

        for (i = 0; i < devs->len; i++) {
            vdDevice *d = g_ptr_array_index(devs, i);
            vdAddress a = { .type = VD_ADDRESS_CCW, .cssid = cssid, .ssid = ssid };

            if (!(d->addr.type == VD_ADDRESS_NONE && vdCCWTakesAddress(d)))
                continue;
            while (g_hash_table_contains(used, GUINT_TO_POINTER(devno + 1))) {
                if (++devno > 0xffff) {
                    g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                                _("There are no more free CCW devnos."));
                    return false;
                }
            }
            a.devno = devno;
            g_hash_table_add(used, GUINT_TO_POINTER(devno + 1));
            vdDeviceSetAddress(d, &a, VD_ORIGIN_ADDRESS);
        }
    }
    return true;
}
