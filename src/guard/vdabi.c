/*
 * vdabi.c: compare two definitions for guest ABI stability
 *
 * What is compared follows libvirt's virDomainDefCheckABIStability: the machine, the
 * number of devices of each kind, and pairwise in order each device's identifying
 * properties and guest-visible address.  Graphics, audio and leases are host-side and
 * not compared; neither are USB, spapr-vio and virtio-mmio addresses, which libvirt
 * does not compare either.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "guard/vdabi.h"

typedef struct {
    vdDeviceKind kind;
    vdProp props[8];
} vdAbiKind;

#define END VD_PROP_LAST

static const vdAbiKind vdAbiKinds[] = {
    { VD_DEVICE_DISK, { VD_PROP_DEVICE, VD_PROP_BUS, VD_PROP_DEV, VD_PROP_MODEL, END } },
    { VD_DEVICE_CONTROLLER, { VD_PROP_TYPE, VD_PROP_INDEX, VD_PROP_MODEL, VD_PROP_PORTS,
                              VD_PROP_VECTORS, END } },
    { VD_DEVICE_FILESYSTEM, { VD_PROP_MODEL, END } },
    { VD_DEVICE_INTERFACE, { VD_PROP_MAC, VD_PROP_MODEL, END } },
    { VD_DEVICE_INPUT, { VD_PROP_TYPE, VD_PROP_BUS, VD_PROP_MODEL, END } },
    { VD_DEVICE_SOUND, { VD_PROP_MODEL, END } },
    { VD_DEVICE_VIDEO, { VD_PROP_MODEL, VD_PROP_VIDEO_RAM, VD_PROP_VIDEO_VRAM,
                         VD_PROP_VIDEO_VGAMEM, VD_PROP_VIDEO_HEADS, END } },
    { VD_DEVICE_HOSTDEV, { VD_PROP_MODE, VD_PROP_TYPE, END } },
    { VD_DEVICE_SMARTCARD, { END } },
    { VD_DEVICE_SERIAL, { VD_PROP_TARGET_TYPE, VD_PROP_TARGET_MODEL, VD_PROP_TARGET_PORT, END } },
    { VD_DEVICE_PARALLEL, { VD_PROP_TARGET_PORT, END } },
    { VD_DEVICE_CHANNEL, { VD_PROP_TARGET_TYPE, VD_PROP_TARGET_NAME, END } },
    { VD_DEVICE_CONSOLE, { VD_PROP_TARGET_TYPE, END } },
    { VD_DEVICE_HUB, { VD_PROP_TYPE, END } },
    { VD_DEVICE_REDIRDEV, { VD_PROP_BUS, VD_PROP_TYPE, END } },
    { VD_DEVICE_REDIRFILTER, { END } },
    { VD_DEVICE_WATCHDOG, { VD_PROP_MODEL, END } },
    { VD_DEVICE_MEMBALLOON, { VD_PROP_MODEL, VD_PROP_FREE_PAGE_REPORTING, END } },
    { VD_DEVICE_RNG, { VD_PROP_MODEL, END } },
    { VD_DEVICE_PANIC, { VD_PROP_MODEL, END } },
    { VD_DEVICE_SHMEM, { VD_PROP_MODEL, VD_PROP_SIZE, END } },
    { VD_DEVICE_TPM, { VD_PROP_MODEL, VD_PROP_BACKEND_TYPE, VD_PROP_BACKEND_VERSION, END } },
    { VD_DEVICE_MEMORY, { VD_PROP_MODEL, END } },
    { VD_DEVICE_IOMMU, { VD_PROP_MODEL, VD_PROP_IOMMU_EIM, END } },
    { VD_DEVICE_VSOCK, { VD_PROP_MODEL, END } },
    { VD_DEVICE_NVRAM, { END } },
    { VD_DEVICE_CRYPTO, { VD_PROP_MODEL, END } },
};

#undef END


static const char *
vdAbiValue(const char *v)
{
    return v ? v : "";
}


static char *
vdAbiAddress(const vdAddress *a)
{
    switch (a->type) {
    case VD_ADDRESS_PCI:
        return g_strdup_printf("pci %04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
    case VD_ADDRESS_DRIVE:
        return g_strdup_printf("drive %u:%u:%u:%u", a->controller, a->bus, a->target, a->unit);
    case VD_ADDRESS_VIRTIO_SERIAL:
        return g_strdup_printf("virtio-serial %u:%u:%u", a->controller, a->bus, a->port);
    case VD_ADDRESS_CCID:
        return g_strdup_printf("ccid %u:%u", a->controller, a->slot);
    case VD_ADDRESS_CCW:
        return g_strdup_printf("ccw %x.%x.%04x", a->cssid, a->ssid, a->devno);
    case VD_ADDRESS_USB:
    case VD_ADDRESS_SPAPRVIO:
    case VD_ADDRESS_VIRTIO_MMIO:
    case VD_ADDRESS_ISA:
    case VD_ADDRESS_DIMM:
    case VD_ADDRESS_UNASSIGNED:
    case VD_ADDRESS_NONE:
    case VD_ADDRESS_LAST:
        break;
    }
    return g_strdup("");
}


static void
vdAbiCompareDevice(GPtrArray *out,
                   const vdAbiKind *k,
                   guint n,
                   const vdDevice *a,
                   const vdDevice *b)
{
    const char *kind = vdDeviceKindTypeToString(k->kind);
    g_autofree char *aa = vdAbiAddress(&a->addr);
    g_autofree char *ba = vdAbiAddress(&b->addr);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(k->props) && k->props[i] != VD_PROP_LAST; i++) {
        vdProp p = k->props[i];

        if (g_strcmp0(a->props[p], b->props[p]) != 0)
            g_ptr_array_add(out, g_strdup_printf(_("%1$s %2$u: %3$s changes from '%4$s' to '%5$s'"),
                                                 kind, n, vdPropTypeToString(p),
                                                 vdAbiValue(a->props[p]), vdAbiValue(b->props[p])));
    }
    if (!g_str_equal(aa, ba))
        g_ptr_array_add(out, g_strdup_printf(_("%1$s %2$u: address changes from '%3$s' to '%4$s'"),
                                             kind, n, aa, ba));
}


static GPtrArray *
vdAbiLive(const vdDomainDef *def,
          vdDeviceKind kind)
{
    GPtrArray *out = g_ptr_array_new();
    guint i;

    for (i = 0; i < def->devices[kind]->len; i++) {
        vdDevice *d = g_ptr_array_index(def->devices[kind], i);

        if (!d->removed)
            g_ptr_array_add(out, d);
    }
    return out;
}


/* Whether every device of @da is in @db, in order and unchanged. */
static bool
vdAbiContained(const vdAbiKind *k,
               GPtrArray *da,
               GPtrArray *db)
{
    guint j = 0;
    guint i;

    for (i = 0; i < da->len; i++) {
        for (; j < db->len; j++) {
            g_autoptr(GPtrArray) diff = g_ptr_array_new_with_free_func(g_free);

            vdAbiCompareDevice(diff, k, i, g_ptr_array_index(da, i), g_ptr_array_index(db, j));
            if (diff->len == 0)
                break;
        }
        if (j++ >= db->len)
            return false;
    }
    return true;
}


/* Each difference as a sentence; an empty array means the two are ABI-compatible. */
GPtrArray *
vdAbiCompare(const vdDomainDef *a,
             const vdDomainDef *b)
{
    return vdAbiCompareFlags(a, b, 0);
}


GPtrArray *
vdAbiCompareFlags(const vdDomainDef *a,
                  const vdDomainDef *b,
                  unsigned int flags)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *am = a->newMachine ? a->newMachine : a->machine;
    const char *bm = b->newMachine ? b->newMachine : b->machine;
    const char *aa = a->newArch ? a->newArch : a->arch;
    const char *ba = b->newArch ? b->newArch : b->arch;
    size_t k;
    guint i;

    if (g_strcmp0(a->virtType, b->virtType) != 0)
        g_ptr_array_add(out, g_strdup_printf(_("domain type changes from '%1$s' to '%2$s'"),
                                             vdAbiValue(a->virtType), vdAbiValue(b->virtType)));
    if (g_strcmp0(aa, ba) != 0)
        g_ptr_array_add(out, g_strdup_printf(_("architecture changes from '%1$s' to '%2$s'"),
                                             vdAbiValue(aa), vdAbiValue(ba)));
    if (g_strcmp0(am, bm) != 0)
        g_ptr_array_add(out, g_strdup_printf(_("machine type changes from '%1$s' to '%2$s'"),
                                             vdAbiValue(am), vdAbiValue(bm)));
    if (a->vcpus != b->vcpus)
        g_ptr_array_add(out, g_strdup_printf(_("vCPU count changes from %1$u to %2$u"),
                                             a->vcpus, b->vcpus));

    for (k = 0; k < G_N_ELEMENTS(vdAbiKinds); k++) {
        g_autoptr(GPtrArray) da = vdAbiLive(a, vdAbiKinds[k].kind);
        g_autoptr(GPtrArray) db = vdAbiLive(b, vdAbiKinds[k].kind);
        const char *kind = vdDeviceKindTypeToString(vdAbiKinds[k].kind);

        if ((flags & VD_ABI_ALLOW_ADDED) && da->len < db->len &&
            vdAbiContained(&vdAbiKinds[k], da, db))
            continue;
        if (da->len != db->len) {
            g_ptr_array_add(out, g_strdup_printf(_("number of %1$s devices changes from %2$u to %3$u"),
                                                 kind, da->len, db->len));
            continue;
        }
        for (i = 0; i < da->len; i++)
            vdAbiCompareDevice(out, &vdAbiKinds[k], i, g_ptr_array_index(da, i),
                               g_ptr_array_index(db, i));
    }
    return out;
}
