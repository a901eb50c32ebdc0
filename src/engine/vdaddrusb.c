/*
 * vdaddrusb.c: USB port assignment, through hubs, and CCID slots for smartcards
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

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
    const vdUSBModelInfo *model = vdDeviceUSBModel(c);
    const char *ports = vdDeviceGet(c, VD_PROP_PORTS);

    /* without a model, QEMU's default controller: PIIX3's UHCI */
    if (!vdDeviceGet(c, VD_PROP_MODEL))
        return vdUSBModelInfoGet(VD_USB_MODEL_PIIX3_UHCI)->ports;
    if (model->xhci && ports)
        return (unsigned int)g_ascii_strtoull(ports, NULL, 10);
    return model->ports;
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

/* The hub that port path @port ("1.2.3") of @bus ends on, and its port index in
 * *@last; NULL with @error set, in libvirt's words, when the path leads nowhere. */
static vdUSBHub *
vdUSBHubAt(GPtrArray *buses,
           unsigned int bus,
           const char *port,
           unsigned int *last,
           GError **error)
{
    g_auto(GStrv) parts = g_strsplit(port, ".", -1);
    vdUSBHub *hub;
    size_t i;

    if (bus >= buses->len || !(hub = g_ptr_array_index(buses, bus))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, _("Missing USB bus %1$u"), bus);
        return NULL;
    }
    for (i = 0; parts[i]; i++) {
        guint64 p = 0;

        g_ascii_string_to_unsigned(parts[i], 10, 1, G_MAXUINT, &p, NULL);
        if (!parts[i + 1]) {
            if (p == 0 || p > hub->nports) {
                g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                            _("requested USB port %1$s not present on USB bus %2$u"), port, bus);
                return NULL;
            }
            *last = (unsigned int)p - 1;
            return hub;
        }
        if (p == 0 || p > hub->nports) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("port %1$u out of range in USB address bus: %2$u port: %3$s"),
                        (unsigned int)p, bus, port);
            return NULL;
        }
        if (!(hub = hub->child[p - 1])) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("there is no hub at port %1$u in USB address bus: %2$u port: %3$s"),
                        (unsigned int)p, bus, port);
            return NULL;
        }
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


/* A device takes @port of @hub; a hub device brings its own ports there. */
static void
vdUSBHubPlug(vdUSBHub *hub,
             unsigned int port,
             const vdDevice *d)
{
    hub->used[port] = 1;
    if (d->kind == VD_DEVICE_HUB) {
        hub->child[port] = g_new0(vdUSBHub, 1);
        hub->child[port]->nports = VD_USB_HUB_PORTS;
    }
}


/* The root hub of every USB controller, by index; @available counts their ports and
 * @hasUSB says whether any controller is not model='none'. */
static void
vdUSBRootHubs(vdDomainDef *def,
              GPtrArray *buses,
              unsigned int *available,
              bool *hasUSB)
{
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        unsigned int n;
        int idx = vdDeviceIndex(c);

        if (!vdControllerIs(c, VD_CONTROLLER_USB))
            continue;
        if (!vdUSBModelIs(c, VD_USB_MODEL_NONE))
            *hasUSB = true;
        if (!(n = vdUSBControllerPorts(c)) || idx < 0)
            continue;
        while ((int)buses->len <= idx)
            g_ptr_array_add(buses, NULL);
        if (!g_ptr_array_index(buses, idx)) {
            vdUSBHub *hub = g_new0(vdUSBHub, 1);

            hub->nports = MIN(n, G_N_ELEMENTS(hub->used));
            g_ptr_array_index(buses, idx) = hub;
            *available += hub->nports;
        }
    }
}


/* Counts the USB devices, adds the ports their hubs bring to @available, and says
 * whether every one of them already has a port. */
static bool
vdUSBCountDevices(vdDomainDef *def,
                  unsigned int *count,
                  unsigned int *available)
{
    bool allAddressed = true;
    size_t k;
    guint i;

    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);

            if (!vdUSBIsDevice(d))
                continue;
            (*count)++;
            if (d->kind == VD_DEVICE_HUB)
                *available += VD_USB_HUB_PORTS;
            if (d->addr.type != VD_ADDRESS_USB || !d->addr.usbPort)
                allAddressed = false;
        }
    }
    return allAddressed;
}


/* A new definition with more USB devices than ports gets the hubs that make up the
 * difference: each brings VD_USB_HUB_PORTS ports and takes one. */
static void
vdUSBAddHubs(vdDomainDef *def,
             unsigned int count,
             unsigned int available)
{
    unsigned int hubs = (count - available + 1 + VD_USB_HUB_PORTS - 2) / (VD_USB_HUB_PORTS - 1);
    unsigned int i;

    for (i = 0; i < hubs; i++) {
        vdDevice *hub = vdDeviceNew(VD_DEVICE_HUB);

        hub->origin = VD_ORIGIN_ADDRESS;
        vdDeviceSet(hub, VD_PROP_TYPE, "usb", VD_ORIGIN_ADDRESS);
        vdDomainDefAddDevice(def, hub);
    }
}


/* Ports the user gave are taken before any is handed out; one that does not exist or
 * is given twice is refused. */
static bool
vdUSBReserveGiven(vdDomainDef *def,
                  GPtrArray *buses,
                  GError **error)
{
    size_t k;
    guint i;

    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);
            vdUSBHub *hub;
            unsigned int port;

            if (!vdUSBIsDevice(d) || d->addr.type != VD_ADDRESS_USB || !d->addr.usbPort)
                continue;
            if (!(hub = vdUSBHubAt(buses, d->addr.bus, d->addr.usbPort, &port, error)))
                return false;
            if (hub->used[port]) {
                g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                            _("Duplicate USB address bus %1$u port %2$s"),
                            d->addr.bus, d->addr.usbPort);
                return false;
            }
            vdUSBHubPlug(hub, port, d);
        }
    }
    return true;
}


/* The first free port of the lowest bus that has one, for @d. */
static bool
vdUSBAssignOne(GPtrArray *buses,
               vdDevice *d,
               GError **error)
{
    g_autoptr(GString) path = g_string_new(NULL);
    vdAddress a = { .type = VD_ADDRESS_USB };
    vdUSBHub *hub = NULL;
    unsigned int port;
    guint b;

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
    /* the path was just found free: it leads somewhere */
    hub = vdUSBHubAt(buses, b, path->str, &port, NULL);
    vdUSBHubPlug(hub, port, d);
    vdDeviceSetAddress(d, &a, VD_ORIGIN_ADDRESS);
    return true;
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
    bool allAddressed;
    size_t k;
    guint i;

    vdUSBRootHubs(def, buses, &available, &hasUSB);
    allAddressed = vdUSBCountDevices(def, &count, &available);

    if (ctx->opts->newDomain && count > 0 && !hasUSB) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("USB is disabled for this domain, but USB devices are present in the domain XML"));
        return false;
    }
    if (!ctx->opts->newDomain && !allAddressed)
        return true;
    if (ctx->opts->newDomain && count > available)
        vdUSBAddHubs(def, count, available);

    if (!vdUSBReserveGiven(def, buses, error))
        return false;

    for (k = 0; k < G_N_ELEMENTS(vdUSBOrder); k++) {
        for (i = 0; i < vdDomainDefCount(def, vdUSBOrder[k]); i++) {
            vdDevice *d = vdDomainDefGet(def, vdUSBOrder[k], i);

            if (!vdUSBIsDevice(d) || (d->addr.type == VD_ADDRESS_USB && d->addr.usbPort))
                continue;
            if (d->addr.type != VD_ADDRESS_NONE && d->addr.type != VD_ADDRESS_USB)
                continue;
            if (!vdUSBAssignOne(buses, d, error))
                return false;
        }
    }
    return true;
}


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
