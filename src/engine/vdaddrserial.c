/*
 * vdaddrserial.c: virtio-serial port assignment for channels
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

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


/* The virtio-serial controllers of the definition, sorted by index: libvirt keeps
 * them so, and the lowest with a free port is used first. */
static GArray *
vdVioSerialControllers(vdDomainDef *def)
{
    GArray *conts = g_array_new(FALSE, TRUE, sizeof(vdVioSerialCont));
    guint i;

    for (i = 0; i < vdDomainDefCount(def, VD_DEVICE_CONTROLLER); i++) {
        vdDevice *c = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, i);
        vdVioSerialCont vc = { 0 };
        const char *ports = vdDeviceGet(c, VD_PROP_PORTS);

        if (!vdControllerIs(c, VD_CONTROLLER_VIRTIO_SERIAL))
            continue;
        vc.index = vdDeviceIndex(c);
        vc.nports = ports ? (unsigned int)g_ascii_strtoull(ports, NULL, 10) : 31;
        vc.nports = MIN(vc.nports, 128);
        g_array_append_val(conts, vc);
    }
    g_array_sort(conts, vdVioSerialContCmp);
    return conts;
}


/* Looks for a free port for @dev from controller @from on, and takes it; @from moves
 * past the controllers found full, which stay full. */
static bool
vdVioSerialFindPort(GArray *conts,
                    vdDevice *dev,
                    bool allowZero,
                    guint *from)
{
    bool done = false;
    guint j;

    /* ports are only ever taken: the controllers before *from are full */
    for (j = allowZero ? 0 : *from; j < conts->len && !done; j++) {
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
            *from = j + 1;
    }
    return done;
}


/* Every port is taken: libvirt adds the next controller and gives @dev its port 1. */
static void
vdVioSerialAddController(vdDomainDef *def,
                         GArray *conts,
                         vdDevice *dev)
{
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
    g_ptr_array_add(def->devices[VD_DEVICE_CONTROLLER], c);
    vdVioSerialPortUse(&vc, 1);
    g_array_append_val(conts, vc);
    a.controller = vc.index;
    vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
}


bool
vdEngineAssignVirtioSerial(vdEngineCtx *ctx,
                           GError **error)
{
    static const vdDeviceKind kinds[] = { VD_DEVICE_CHANNEL };
    g_autoptr(GArray) conts = vdVioSerialControllers(ctx->def);
    guint firstFree = 0;
    size_t k;
    guint i;

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

            if (!vdEngineVioSerialIsTarget(dev))
                continue;
            if (dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL && dev->addr.port)
                continue;
            if (vdVioSerialFindPort(conts, dev, allowZero, &firstFree))
                continue;
            if (dev->addr.type == VD_ADDRESS_VIRTIO_SERIAL) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("Unable to find a free virtio-serial port on controller %1$u"),
                            dev->addr.controller);
                return false;
            }
            vdVioSerialAddController(ctx->def, conts, dev);
        }
    }
    return true;
}
