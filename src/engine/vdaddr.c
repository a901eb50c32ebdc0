/*
 * vdaddr.c: addresses other than PCI: virtio-serial ports, spapr-vio registers,
 * CCW device numbers and USB ports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

/* Device kinds in the order libvirt walks a definition's devices. */
const vdDeviceKind vdIterateOrder[VD_ITERATE_KINDS] = {
    VD_DEVICE_DISK, VD_DEVICE_INTERFACE, VD_DEVICE_SOUND, VD_DEVICE_HOSTDEV, VD_DEVICE_VIDEO,
    VD_DEVICE_CONTROLLER, VD_DEVICE_SMARTCARD, VD_DEVICE_SERIAL, VD_DEVICE_PARALLEL,
    VD_DEVICE_CHANNEL, VD_DEVICE_CONSOLE, VD_DEVICE_INPUT, VD_DEVICE_FILESYSTEM,
    VD_DEVICE_WATCHDOG, VD_DEVICE_MEMBALLOON, VD_DEVICE_RNG, VD_DEVICE_NVRAM, VD_DEVICE_HUB,
    VD_DEVICE_SHMEM, VD_DEVICE_TPM, VD_DEVICE_PANIC, VD_DEVICE_MEMORY, VD_DEVICE_REDIRDEV,
    VD_DEVICE_IOMMU, VD_DEVICE_VSOCK, VD_DEVICE_CRYPTO,
};


/* ---- virtio-serial ---------------------------------------------------------- */

typedef struct {
    unsigned int index;
    unsigned int nports;
    guint32 used[4];     /* bitmap of ports 0..127 */
    unsigned int next;   /* every port from 1 below it is taken */
} vdVioSerialCont;

static bool
vdVioSerialPortUsed(vdVioSerialCont *c,
                    unsigned int port)
{
    return port < 128 && (c->used[port / 32] & (1u << (port % 32)));
}


static void
vdVioSerialPortUse(vdVioSerialCont *c,
                   unsigned int port)
{
    if (port < 128)
        c->used[port / 32] |= 1u << (port % 32);
}


static gint
vdVioSerialContCmp(gconstpointer a,
                   gconstpointer b)
{
    return (int)((const vdVioSerialCont *)a)->index - (int)((const vdVioSerialCont *)b)->index;
}


/* Mark @port taken on every controller with @index (@conts is sorted by index). */
static void
vdVioSerialTake(GArray *conts,
                unsigned int index,
                unsigned int port)
{
    vdVioSerialCont key = { .index = index };
    guint j;

    if (!g_array_binary_search(conts, &key, vdVioSerialContCmp, &j))
        return;
    while (j > 0 && g_array_index(conts, vdVioSerialCont, j - 1).index == index)
        j--;
    for (; j < conts->len && g_array_index(conts, vdVioSerialCont, j).index == index; j++)
        vdVioSerialPortUse(&g_array_index(conts, vdVioSerialCont, j), port);
}


static bool
vdEngineVioSerialIsTarget(const vdDevice *dev)
{
    return (dev->kind == VD_DEVICE_CHANNEL || dev->kind == VD_DEVICE_CONSOLE) &&
        vdDevicePropIs(dev, VD_PROP_TARGET_TYPE, "virtio");
}


bool
vdEngineAssignVirtioSerial(vdEngineCtx *ctx,
                           GError **error)
{
    static const vdDeviceKind kinds[] = { VD_DEVICE_CHANNEL };
    g_autoptr(GArray) conts = g_array_new(FALSE, TRUE, sizeof(vdVioSerialCont));
    guint firstFree = 0;
    size_t k;
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(ctx->def, VD_DEVICE_CONTROLLER, i);
        vdVioSerialCont vc = { 0 };
        const char *ports = vdDeviceGet(c, VD_PROP_PORTS);

        if (!vdDevicePropIs(c, VD_PROP_TYPE, "virtio-serial"))
            continue;
        vc.index = vdDeviceIndex(c);
        vc.nports = ports ? (unsigned int)g_ascii_strtoull(ports, NULL, 10) : 31;
        vc.nports = MIN(vc.nports, 128);
        g_array_append_val(conts, vc);
    }

    /* libvirt keeps them by index: the lowest with a free port is used first */
    g_array_sort(conts, vdVioSerialContCmp);

    /* ports already taken */
    for (k = 0; k < G_N_ELEMENTS(kinds); k++) {
        for (i = 0; i < vdDomainDefCount(ctx->def, kinds[k]); i++) {
            vdDevice *dev = vdDomainDefGet(ctx->def, kinds[k], i);

            if (dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL && dev->addr.port)
                vdVioSerialTake(conts, dev->addr.controller, dev->addr.port);
        }
    }

    for (k = 0; k < G_N_ELEMENTS(kinds); k++) {
        for (i = 0; i < vdDomainDefCount(ctx->def, kinds[k]); i++) {
            vdDevice *dev = vdDomainDefGet(ctx->def, kinds[k], i);
            bool allowZero = kinds[k] == VD_DEVICE_CONSOLE;
            bool done = false;
            guint j;

            if (!vdEngineVioSerialIsTarget(dev))
                continue;
            if (dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL && dev->addr.port)
                continue;
            /* ports are only ever taken: the controllers before firstFree are full */
            for (j = allowZero ? 0 : firstFree; j < conts->len && !done; j++) {
                vdVioSerialCont *c = &g_array_index(conts, vdVioSerialCont, j);
                unsigned int p;

                if (dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL && dev->addr.controller != c->index)
                    continue;
                for (p = allowZero ? 0 : MAX(c->next, 1); p < c->nports; p++) {
                    if (!vdVioSerialPortUsed(c, p)) {
                        vdAddress a = { .type = VD_ADDRESS_VIRTIO_SERIAL,
                                        .controller = c->index, .port = p };

                        vdVioSerialPortUse(c, p);
                        vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
                        done = true;
                        break;
                    }
                }
                if (!allowZero)
                    c->next = MAX(c->next, p);
                if (!allowZero && !done && dev->addr.type != VD_ADDRESS_VIRTIO_SERIAL)
                    firstFree = j + 1;
            }
            if (!done && dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("Unable to find a free virtio-serial port on controller %1$u"),
                            dev->addr.controller);
                return false;
            }
            if (!done) {
                /* every port is taken: libvirt adds the next controller */
                vdVioSerialCont vc = { .nports = 31 };
                vdDevice *c = vdDeviceNew(VD_DEVICE_CONTROLLER);
                g_autofree char *s = NULL;
                vdAddress a = { .type = VD_ADDRESS_VIRTIO_SERIAL, .port = 1 };

                /* sorted by index, and a new one has the largest */
                if (conts->len > 0)
                    vc.index = g_array_index(conts, vdVioSerialCont, conts->len - 1).index + 1;
                s = g_strdup_printf("%u", vc.index);
                c->origin = VD_ORIGIN_ADDRESS;
                vdDeviceSet(c, VD_PROP_TYPE, "virtio-serial", VD_ORIGIN_ADDRESS);
                vdDeviceSet(c, VD_PROP_INDEX, s, VD_ORIGIN_ADDRESS);
                g_ptr_array_add(ctx->def->devices[VD_DEVICE_CONTROLLER], c);
                vdVioSerialPortUse(&vc, 1);
                g_array_append_val(conts, vc);
                a.controller = vc.index;
                vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
            }
        }
    }
    return true;
}


/* ---- memory slots ------------------------------------------------------------ */

/* DIMMs of a guest with memory hotplug take the lowest free slot. */
bool
vdEngineAssignMemorySlots(vdEngineCtx *ctx,
                          GError **error)
{
    GPtrArray *mems = ctx->def->devices[VD_DEVICE_MEMORY];
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
    unsigned int next = 0;
    guint i;

    if (!ctx->def->hasMaxMemory)
        return true;
    for (i = 0; i < mems->len; i++) {
        vdDevice *m = g_ptr_array_index(mems, i);

        if (m->addr.type == VD_ADDRESS_DIMM)
            g_hash_table_add(used, GUINT_TO_POINTER(m->addr.slot + 1));
    }
    for (i = 0; i < mems->len; i++) {
        vdDevice *m = g_ptr_array_index(mems, i);
        vdAddress a = { .type = VD_ADDRESS_DIMM };

        if (m->addr.type != VD_ADDRESS_NONE ||
            (!vdDevicePropIs(m, VD_PROP_MODEL, "dimm") && !vdDevicePropIs(m, VD_PROP_MODEL, "nvdimm")))
            continue;
        while (g_hash_table_contains(used, GUINT_TO_POINTER(next + 1)))
            next++;
        a.slot = next;
        g_hash_table_add(used, GUINT_TO_POINTER(next + 1));
        vdDeviceSetAddress(m, &a, VD_ORIGIN_ADDRESS);
    }
    return true;
}


/* ---- CCID ------------------------------------------------------------------ */

bool
vdEngineAssignCCID(vdEngineCtx *ctx,
                   GError **error)
{
    unsigned int next = 0;
    guint i;

    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_SMARTCARD); i++) {
        vdDevice *d = vdDomainDefGet(ctx->def, VD_DEVICE_SMARTCARD, i);

        if (d->addr.type == VD_ADDRESS_CCID && d->addr.controller == 0)
            next = MAX(next, d->addr.slot + 1);
    }
    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_SMARTCARD); i++) {
        vdDevice *d = vdDomainDefGet(ctx->def, VD_DEVICE_SMARTCARD, i);
        vdAddress a = { .type = VD_ADDRESS_CCID };

        if (d->addr.type != VD_ADDRESS_NONE)
            continue;
        a.slot = next++;
        vdDeviceSetAddress(d, &a, VD_ORIGIN_ADDRESS);
    }
    return true;
}


/* ---- spapr-vio -------------------------------------------------------------- */

/* The spapr-vio registers in use, counted (two devices may claim one: that is an
 * error found when the second is reached), and per default register the lowest one
 * not known to be taken: registers are only ever taken, so a search resumes there. */
typedef struct {
    GHashTable *count;      /* reg -> devices with it */
    GHashTable *next;       /* default reg -> first reg worth trying */
    guint64 step;           /* between two regs handed out */
} vdSpaprRegs;

static guint
vdSpaprRegCount(vdSpaprRegs *regs,
                unsigned long long reg)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(regs->count, &reg));
}


static void
vdSpaprRegTake(vdSpaprRegs *regs,
               unsigned long long reg)
{
    guint64 *key = g_new(guint64, 1);

    *key = reg;
    g_hash_table_replace(regs->count, key, GUINT_TO_POINTER(vdSpaprRegCount(regs, reg) + 1));
}


static bool
vdSpaprAssign(vdSpaprRegs *regs,
              vdDevice *dev,
              bool isVio,
              unsigned long long dflt,
              GError **error)
{
    vdAddress a = { .type = VD_ADDRESS_SPAPRVIO };
    guint64 *next;

    if (dev->addr.type == VD_ADDRESS_NONE && isVio)
        dev->addr.type = VD_ADDRESS_SPAPRVIO;
    if (dev->addr.type != VD_ADDRESS_SPAPRVIO)
        return true;
    if (dev->addr.hasReg) {
        /* it counts itself */
        if (vdSpaprRegCount(regs, dev->addr.reg) > 1) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("spapr-vio address %1$#llx already in use"), dev->addr.reg);
            return false;
        }
        return true;
    }
    if (!dflt || !regs->step) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("the table gives no spapr-vio reg for this device (setting spapr-vio.regs)"));
        return false;
    }
    if (!(next = g_hash_table_lookup(regs->next, &dflt))) {
        guint64 *key = g_new(guint64, 1);

        *key = dflt;
        next = g_new(guint64, 1);
        *next = dflt;
        g_hash_table_insert(regs->next, key, next);
    }
    while (vdSpaprRegCount(regs, *next) > 0)
        *next += regs->step;
    a.reg = *next;
    a.hasReg = true;
    vdSpaprRegTake(regs, a.reg);
    vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
    return true;
}


/* Where each kind of spapr-vio device starts looking for a free reg. */
typedef struct {
    guint64 net;
    guint64 scsi;
    guint64 nvram;
    guint64 tpm;
    guint64 serial;
    guint64 step;
} vdSpaprBases;

/* Missing items stay 0: only a device that needs one is refused for it. */
static void
vdSpaprReadBases(const vdEngineCtx *ctx,
                 vdSpaprBases *bases)
{
    const char *list = vdEngineSetting(ctx, VD_SETTING_SPAPR_VIO_REGS, NULL);
    const struct {
        const char *name;
        guint64 *value;
    } items[] = {
        { "net", &bases->net }, { "scsi", &bases->scsi }, { "nvram", &bases->nvram },
        { "tpm", &bases->tpm }, { "serial", &bases->serial }, { "step", &bases->step },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(items); i++) {
        size_t len;
        const char *v = vdProfileItem(list, items[i].name, 0, &len);

        *items[i].value = v ? g_ascii_strtoull(v, NULL, 0) : 0;
    }
}


bool
vdEngineAssignSpaprVIO(vdEngineCtx *ctx,
                       GError **error)
{
    bool pseries = vdEngineSettingIs(ctx, VD_SETTING_PCI_MULTIPLE_ROOTS, "yes");
    vdDomainDef *def = ctx->def;
    g_autoptr(GHashTable) count = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_autoptr(GHashTable) next = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    vdSpaprRegs regs = { .count = count, .next = next };
    vdSpaprRegs *ctxRegs = &regs;
    vdSpaprBases bases;
    size_t k;
    guint i;

    vdSpaprReadBases(ctx, &bases);
    regs.step = bases.step;

    /* consoles mirror a serial port's address and do not count */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *d = g_ptr_array_index(def->devices[k], i);

            if (d->kind != VD_DEVICE_CONSOLE && d->addr.type == VD_ADDRESS_SPAPRVIO &&
                d->addr.hasReg)
                vdSpaprRegTake(&regs, d->addr.reg);
        }
    }

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_INTERFACE); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_INTERFACE, i);

        if (!vdSpaprAssign(ctxRegs, d, vdDevicePropIs(d, VD_PROP_MODEL, "spapr-vlan"), bases.net, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        bool vio = vdDevicePropIs(d, VD_PROP_TYPE, "scsi") && vdDevicePropIs(d, VD_PROP_MODEL, "ibmvscsi");

        if (!vdSpaprAssign(ctxRegs, d, vio, bases.scsi, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_SERIAL); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_SERIAL, i);

        if (!vdSpaprAssign(ctxRegs, d, vdDevicePropIs(d, VD_PROP_TARGET_TYPE, "spapr-vio-serial"),
                           bases.serial, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_NVRAM); i++) {
        if (!vdSpaprAssign(ctxRegs, vdDomainDefGet(def, VD_DEVICE_NVRAM, i), pseries, bases.nvram, error))
            return false;
    }
    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_TPM); i++) {
        vdDevice *d = vdDomainDefGet(def, VD_DEVICE_TPM, i);

        if (!vdSpaprAssign(ctxRegs, d, pseries && !vdDevicePropIs(d, VD_PROP_MODEL, "spapr-tpm-proxy"),
                           bases.tpm, error))
            return false;
    }
    return true;
}


/* ---- CCW -------------------------------------------------------------------- */

/* Which devices are of a given kind of bus: rows of (kind, property, value); a NULL
 * property matches every device of the kind, a NULL value any set value, and a
 * value starting with '!' every value but that one. */
typedef struct {
    vdDeviceKind kind;
    vdProp prop;
    const char *value;
} vdDeviceMatch;

#define ANY VD_PROP_LAST

static bool
vdDeviceMatches(const vdDevice *d,
                const vdDeviceMatch *rows,
                size_t nrows)
{
    size_t i;

    for (i = 0; i < nrows; i++) {
        const char *v;

        if (rows[i].kind != d->kind)
            continue;
        if (rows[i].prop == ANY)
            return true;
        v = vdDeviceGet(d, rows[i].prop);
        if (!rows[i].value) {
            if (v)
                return true;
        } else if (rows[i].value[0] == '!') {
            if (g_strcmp0(v, rows[i].value + 1) != 0)
                return true;
        } else if (g_strcmp0(v, rows[i].value) == 0) {
            return true;
        }
    }
    return false;
}


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
    { VD_DEVICE_RNG, ANY, NULL },
    { VD_DEVICE_FILESYSTEM, ANY, NULL },
    { VD_DEVICE_VSOCK, ANY, NULL },
    { VD_DEVICE_CRYPTO, ANY, NULL },
    { VD_DEVICE_MEMORY, VD_PROP_MODEL, "virtio-pmem" },
    { VD_DEVICE_MEMORY, VD_PROP_MODEL, "virtio-mem" },
};


static bool
vdCCWIsVirtio(const vdDevice *d)
{
    return vdDeviceMatches(d, vdVirtioDevices, G_N_ELEMENTS(vdVirtioDevices));
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

            if (d->addr.type == VD_ADDRESS_CCW && d->addr.cssid == cssid && d->addr.ssid == ssid)
                g_hash_table_add(used, GUINT_TO_POINTER(d->addr.devno + 1));
        }
    }

    for (k = 0; k < G_N_ELEMENTS(vdIterateOrder); k++) {
        GPtrArray *devs = ctx->def->devices[vdIterateOrder[k]];

        for (i = 0; i < devs->len; i++) {
            vdDevice *d = g_ptr_array_index(devs, i);
            vdAddress a = { .type = VD_ADDRESS_CCW, .cssid = cssid, .ssid = ssid };

            if (!(d->addr.type == VD_ADDRESS_NONE && vdCCWIsVirtio(d)))
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


/* ---- USB -------------------------------------------------------------------- */

#define VD_USB_HUB_PORTS 8
/* libvirt's VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH: a root port and three levels of hubs */
#define VD_USB_MAX_PORT_DEPTH 4

typedef struct _vdUSBHub vdUSBHub;
struct _vdUSBHub {
    unsigned int nports;
    bool full;              /* no free port below: ports are only ever taken */
    guint8 used[VD_USB_HUB_PORTS * 4];
    vdUSBHub *child[VD_USB_HUB_PORTS * 4];
};

static void
vdUSBHubFree(vdUSBHub *hub)
{
    unsigned int i;

    if (!hub)
        return;
    for (i = 0; i < G_N_ELEMENTS(hub->child); i++)
        vdUSBHubFree(hub->child[i]);
    g_free(hub);
}


static unsigned int
vdUSBControllerPorts(const vdDevice *c)
{
    const char *m = vdDeviceGet(c, VD_PROP_MODEL);
    const char *ports = vdDeviceGet(c, VD_PROP_PORTS);

    if (!m)
        return 2;
    if (g_str_equal(m, "piix3-uhci") || g_str_equal(m, "piix4-uhci") ||
        g_str_equal(m, "vt82c686b-uhci"))
        return 2;
    if (g_str_equal(m, "ehci") || g_str_equal(m, "ich9-ehci1"))
        return 6;
    if (g_str_equal(m, "pci-ohci"))
        return 3;
    if (g_str_equal(m, "nec-xhci") || g_str_equal(m, "qemu-xhci"))
        return ports ? (unsigned int)g_ascii_strtoull(ports, NULL, 10) : 4;
    if (g_str_equal(m, "qusb1") || g_str_equal(m, "qusb2"))
        return 8;
    return 0;
}


/* Devices that plug into a USB port. */
static const vdDeviceMatch vdUSBDevices[] = {
    { VD_DEVICE_HUB, VD_PROP_TYPE, "usb" },
    { VD_DEVICE_HOSTDEV, VD_PROP_TYPE, "usb" },
    { VD_DEVICE_DISK, VD_PROP_BUS, "usb" },
    { VD_DEVICE_INPUT, VD_PROP_BUS, "usb" },
    { VD_DEVICE_REDIRDEV, VD_PROP_BUS, "usb" },
    { VD_DEVICE_CONTROLLER, VD_PROP_TYPE, "ccid" },
    { VD_DEVICE_SERIAL, VD_PROP_TARGET_TYPE, "usb-serial" },
    { VD_DEVICE_SOUND, VD_PROP_MODEL, "usb" },
};

#undef ANY


static bool
vdUSBIsDevice(const vdDevice *d)
{
    /* a USB hostdev must also be a subsystem one */
    if (d->kind == VD_DEVICE_HOSTDEV && !vdDevicePropIs(d, VD_PROP_MODE, "subsystem"))
        return false;
    return vdDeviceMatches(d, vdUSBDevices, G_N_ELEMENTS(vdUSBDevices));
}


/* USB devices in the order libvirt gives them ports: hubs first. */
static const vdDeviceKind vdUSBOrder[] = {
    VD_DEVICE_HUB, VD_DEVICE_HOSTDEV, VD_DEVICE_DISK, VD_DEVICE_CONTROLLER, VD_DEVICE_INPUT,
    VD_DEVICE_SERIAL, VD_DEVICE_SOUND, VD_DEVICE_REDIRDEV,
};

static vdUSBHub *
vdUSBHubAt(vdUSBHub *root,
           const char *port,
           unsigned int *last)
{
    g_auto(GStrv) parts = g_strsplit(port, ".", -1);
    vdUSBHub *hub = root;
    size_t i;

    for (i = 0; parts[i]; i++) {
        guint64 p;

        if (!hub || !g_ascii_string_to_unsigned(parts[i], 10, 1, hub->nports, &p, NULL))
            return NULL;
        if (!parts[i + 1]) {
            *last = (unsigned int)p - 1;
            return hub;
        }
        hub = hub->child[p - 1];
    }
    return NULL;
}


/* libvirt's virDomainUSBAddressFindFreePort: a free port of this hub, else the first
 * free port below one of its hubs, depth first, at most VD_USB_MAX_PORT_DEPTH deep.
 * A hub found full is marked so, and never searched again. */
static bool
vdUSBFindFree(vdUSBHub *hub,
              GString *path,
              unsigned int level)
{
    unsigned int i;

    if (hub->full)
        return false;
    for (i = 0; i < hub->nports; i++) {
        if (!hub->used[i]) {
            g_string_append_printf(path, "%s%u", path->len ? "." : "", i + 1);
            return true;
        }
    }
    if (level + 1 < VD_USB_MAX_PORT_DEPTH) {
        for (i = 0; i < hub->nports; i++) {
            if (hub->child[i]) {
                gsize len = path->len;

                g_string_append_printf(path, "%s%u", path->len ? "." : "", i + 1);
                if (vdUSBFindFree(hub->child[i], path, level + 1))
                    return true;
                g_string_truncate(path, len);
            }
        }
    }
    hub->full = true;
    return false;
}


bool
vdEngineAssignUSB(vdEngineCtx *ctx,
                  GError **error)
{
    vdDomainDef *def = ctx->def;
    g_autoptr(GPtrArray) buses = g_ptr_array_new_with_free_func((GDestroyNotify)vdUSBHubFree);
    unsigned int available = 0;
    unsigned int count = 0;
    bool hasUSB = false;
    bool allAddressed = true;
    size_t k;
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        unsigned int n;
        int idx = vdDeviceIndex(c);

        if (!vdDevicePropIs(c, VD_PROP_TYPE, "usb"))
            continue;
        if (!vdDevicePropIs(c, VD_PROP_MODEL, "none"))
            hasUSB = true;
        if (!(n = vdUSBControllerPorts(c)) || idx < 0)
            continue;
        while ((int)buses->len <= idx)
            g_ptr_array_add(buses, NULL);
        if (!g_ptr_array_index(buses, idx)) {
            vdUSBHub *hub = g_new0(vdUSBHub, 1);

            hub->nports = MIN(n, G_N_ELEMENTS(hub->used));
            g_ptr_array_index(buses, idx) = hub;
            available += hub->nports;
        }
    }

    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);

            if (!vdUSBIsDevice(d))
                continue;
            count++;
            if (d->kind == VD_DEVICE_HUB)
                available += VD_USB_HUB_PORTS;
            if (d->addr.type != VD_ADDRESS_USB || !d->addr.usbPort)
                allAddressed = false;
        }
    }

    if (ctx->opts->newDomain && count > 0 && !hasUSB) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("USB is disabled for this domain, but USB devices are present in the domain XML"));
        return false;
    }
    if (!ctx->opts->newDomain && !allAddressed)
        return true;

    if (ctx->opts->newDomain && count > available) {
        unsigned int hubs = (count - available + 1 + VD_USB_HUB_PORTS - 2) / (VD_USB_HUB_PORTS - 1);

        for (i = 0; i < hubs; i++) {
            vdDevice *hub = vdDeviceNew(VD_DEVICE_HUB);

            hub->origin = VD_ORIGIN_ADDRESS;
            vdDeviceSet(hub, VD_PROP_TYPE, "usb", VD_ORIGIN_ADDRESS);
            vdDomainDefAddDevice(def, hub);
        }
    }

    /* reserve ports that are already given */
    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);
            vdUSBHub *hub;
            unsigned int port;

            if (!vdUSBIsDevice(d) || d->addr.type != VD_ADDRESS_USB || !d->addr.usbPort)
                continue;
            if (d->addr.bus >= buses->len || !g_ptr_array_index(buses, d->addr.bus) ||
                !(hub = vdUSBHubAt(g_ptr_array_index(buses, d->addr.bus), d->addr.usbPort, &port))) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("USB port '%1$s' on bus %2$u does not exist"), d->addr.usbPort, d->addr.bus);
                return false;
            }
            if (hub->used[port]) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("Attempted double use of USB port %1$s on bus %2$u"),
                            d->addr.usbPort, d->addr.bus);
                return false;
            }
            hub->used[port] = 1;
            if (d->kind == VD_DEVICE_HUB) {
                hub->child[port] = g_new0(vdUSBHub, 1);
                hub->child[port]->nports = VD_USB_HUB_PORTS;
            }
        }
    }

    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);
            g_autoptr(GString) path = g_string_new(NULL);
            vdAddress a = { .type = VD_ADDRESS_USB };
            vdUSBHub *hub = NULL;
            unsigned int port;
            guint b;

            if (!vdUSBIsDevice(d) || (d->addr.type == VD_ADDRESS_USB && d->addr.usbPort))
                continue;
            if (d->addr.type != VD_ADDRESS_NONE && d->addr.type != VD_ADDRESS_USB)
                continue;
            for (b = 0; b < buses->len; b++) {
                if ((hub = g_ptr_array_index(buses, b)) && vdUSBFindFree(hub, path, 0))
                    break;
                g_string_truncate(path, 0);
                hub = NULL;
            }
            if (!hub) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("No free USB ports"));
                return false;
            }
            a.bus = b;
            a.usbPort = path->str;
            hub = vdUSBHubAt(hub, path->str, &port);
            hub->used[port] = 1;
            if (d->kind == VD_DEVICE_HUB) {
                hub->child[port] = g_new0(vdUSBHub, 1);
                hub->child[port]->nports = VD_USB_HUB_PORTS;
            }
            vdDeviceSetAddress(d, &a, VD_ORIGIN_ADDRESS);
        }
    }
    return true;
}
