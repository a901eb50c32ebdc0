/*
 * vddomain.c: a typed view of a libvirt domain over its libxml2 tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "conf/vddomain.h"
#include "util/vderror.h"
#include "util/vdxml.h"

VD_ENUM_IMPL(vdDeviceKind, VD_DEVICE_LAST,
             "disk", "controller", "lease", "filesystem", "interface",
             "smartcard", "serial", "parallel", "console", "channel",
             "input", "tpm", "graphics", "sound", "audio", "video",
             "hostdev", "redirdev", "redirfilter", "hub", "watchdog",
             "memballoon", "rng", "nvram", "panic", "shmem", "memory",
             "iommu", "vsock", "crypto");

VD_ENUM_IMPL(vdAddressType, VD_ADDRESS_LAST,
             "none", "pci", "drive", "virtio-serial", "ccid", "usb",
             "spapr-vio", "ccw", "virtio-mmio", "isa", "dimm", "unassigned");

VD_ENUM_IMPL(vdProp, VD_PROP_LAST,
             "type", "device", "model", "index", "bus", "dev", "driver-name", "driver-type",
             "readonly", "model-name", "chassis-nr", "chassis", "port", "target-index",
             "bus-nr", "ports", "vectors", "startport", "target-type", "target-port",
             "target-model", "target-name", "video-ram", "video-vram", "video-vgamem",
             "video-heads", "video-primary", "graphics-port", "graphics-autoport",
             "graphics-listen", "listen-type", "id", "action", "mode", "managed",
             "backend-model", "backend-type", "backend-version", "free-page-reporting",
             "source-mode", "source-path", "accessmode", "fs-driver-type", "cid-auto",
             "cid-address", "mac", "size", "size-unit", "msi-ioeventfd", "iommu-eim",
             "backend-path", "graphics-socket", "source", "target-state", "primary-request", "listen-address",
             "listen-socket", "graphics-tls-port", "target-dev", "tty", "display",
             "hostdev-model", "protocol", "backend-protocol", "backend-device",
             "fs-source-socket", "audio-driver");

/* Where a property lives: @path is a chain of child elements below the device
 * ("" = the device element itself), @attr an attribute of the last one, or NULL when
 * the property is the presence of that element. */
typedef struct {
    unsigned int kinds;   /* bitmask of vdDeviceKind, 0 = the next row's */
    vdProp prop;
    const char *path;
    const char *attr;
} vdPropLocation;

#define K(k) (1u << VD_DEVICE_ ## k)
#define CHR (K(SERIAL) | K(PARALLEL) | K(CONSOLE) | K(CHANNEL))

static const vdPropLocation vdPropLocations[] = {
    { K(DISK), VD_PROP_TYPE, "", "type" },
    { K(DISK), VD_PROP_DEVICE, "", "device" },
    { K(DISK), VD_PROP_MODEL, "", "model" },
    { K(DISK), VD_PROP_BUS, "target", "bus" },
    { K(DISK), VD_PROP_DEV, "target", "dev" },
    { K(DISK), VD_PROP_DRIVER_NAME, "driver", "name" },
    { K(DISK), VD_PROP_DRIVER_TYPE, "driver", "type" },
    { K(DISK), VD_PROP_READONLY, "readonly", NULL },

    { K(CONTROLLER), VD_PROP_TYPE, "", "type" },
    { K(CONTROLLER), VD_PROP_INDEX, "", "index" },
    { K(CONTROLLER), VD_PROP_MODEL, "", "model" },
    { K(CONTROLLER), VD_PROP_PORTS, "", "ports" },
    { K(CONTROLLER), VD_PROP_VECTORS, "", "vectors" },
    { K(CONTROLLER), VD_PROP_MODEL_NAME, "model", "name" },
    { K(CONTROLLER), VD_PROP_CHASSIS_NR, "target", "chassisNr" },
    { K(CONTROLLER), VD_PROP_CHASSIS, "target", "chassis" },
    { K(CONTROLLER), VD_PROP_PORT, "target", "port" },
    { K(CONTROLLER), VD_PROP_BUS_NR, "target", "busNr" },
    { K(CONTROLLER), VD_PROP_TARGET_INDEX, "target", "index" },
    { K(CONTROLLER), VD_PROP_STARTPORT, "master", "startport" },

    { K(INTERFACE), VD_PROP_TYPE, "", "type" },
    { K(INTERFACE), VD_PROP_MODEL, "model", "type" },
    { K(INTERFACE), VD_PROP_MAC, "mac", "address" },
    { K(INTERFACE), VD_PROP_TARGET_DEV, "target", "dev" },

    { K(INPUT), VD_PROP_TYPE, "", "type" },
    { K(INPUT), VD_PROP_BUS, "", "bus" },
    { K(INPUT), VD_PROP_MODEL, "", "model" },

    { K(GRAPHICS), VD_PROP_TYPE, "", "type" },
    { K(GRAPHICS), VD_PROP_GFX_PORT, "", "port" },
    { K(GRAPHICS), VD_PROP_GFX_AUTOPORT, "", "autoport" },
    { K(GRAPHICS), VD_PROP_GFX_LISTEN, "", "listen" },
    { K(GRAPHICS), VD_PROP_LISTEN_TYPE, "listen", "type" },
    { K(GRAPHICS), VD_PROP_GFX_SOCKET, "", "socket" },
    { K(GRAPHICS), VD_PROP_GFX_TLS_PORT, "", "tlsPort" },
    { K(GRAPHICS), VD_PROP_LISTEN_ADDRESS, "listen", "address" },
    { K(GRAPHICS), VD_PROP_LISTEN_SOCKET, "listen", "socket" },

    { K(VIDEO), VD_PROP_MODEL, "model", "type" },
    { K(VIDEO), VD_PROP_VIDEO_RAM, "model", "ram" },
    { K(VIDEO), VD_PROP_VIDEO_VRAM, "model", "vram" },
    { K(VIDEO), VD_PROP_VIDEO_VGAMEM, "model", "vgamem" },
    { K(VIDEO), VD_PROP_VIDEO_HEADS, "model", "heads" },
    { K(VIDEO), VD_PROP_VIDEO_PRIMARY, "model", "primary" },

    { K(AUDIO), VD_PROP_ID, "", "id" },
    { K(AUDIO), VD_PROP_TYPE, "", "type" },
    { K(AUDIO), VD_PROP_AUDIO_DRIVER, "", "driver" },

    { CHR, VD_PROP_TYPE, "", "type" },
    { CHR, VD_PROP_TARGET_TYPE, "target", "type" },
    { CHR, VD_PROP_TARGET_PORT, "target", "port" },
    { CHR, VD_PROP_TARGET_NAME, "target", "name" },
    { CHR, VD_PROP_TARGET_MODEL, "target/model", "name" },
    { CHR, VD_PROP_SOURCE_MODE, "source", "mode" },
    { CHR, VD_PROP_SOURCE_PATH, "source", "path" },
    { CHR, VD_PROP_SOURCE, "source", NULL },
    { CHR, VD_PROP_TARGET_STATE, "target", "state" },
    { CHR, VD_PROP_CONSOLE_TTY, "", "tty" },

    { K(SOUND), VD_PROP_MODEL, "", "model" },
    { K(WATCHDOG), VD_PROP_MODEL, "", "model" },
    { K(WATCHDOG), VD_PROP_ACTION, "", "action" },
    { K(MEMBALLOON), VD_PROP_MODEL, "", "model" },
    { K(MEMBALLOON), VD_PROP_FREE_PAGE_REPORTING, "", "freePageReporting" },
    { K(RNG), VD_PROP_MODEL, "", "model" },
    { K(RNG), VD_PROP_BACKEND_MODEL, "backend", "model" },
    { K(RNG), VD_PROP_BACKEND_PATH, "backend", "#text" },
    { K(RNG), VD_PROP_BACKEND_TYPE, "backend", "type" },
    { K(RNG), VD_PROP_BACKEND_PROTOCOL, "backend/protocol", "type" },
    { K(REDIRDEV), VD_PROP_PROTOCOL, "protocol", "type" },
    { K(TPM), VD_PROP_BACKEND_DEVICE, "backend/device", "path" },
    { K(PANIC), VD_PROP_MODEL, "", "model" },
    { K(TPM), VD_PROP_MODEL, "", "model" },
    { K(TPM), VD_PROP_BACKEND_TYPE, "backend", "type" },
    { K(TPM), VD_PROP_BACKEND_VERSION, "backend", "version" },
    { K(HOSTDEV), VD_PROP_MODE, "", "mode" },
    { K(HOSTDEV), VD_PROP_TYPE, "", "type" },
    { K(HOSTDEV), VD_PROP_MANAGED, "", "managed" },
    { K(HOSTDEV), VD_PROP_DISPLAY, "", "display" },
    { K(HOSTDEV), VD_PROP_HOSTDEV_MODEL, "", "model" },
    { K(REDIRDEV), VD_PROP_BUS, "", "bus" },
    { K(REDIRDEV), VD_PROP_TYPE, "", "type" },
    { K(SMARTCARD), VD_PROP_MODE, "", "mode" },
    { K(FILESYSTEM), VD_PROP_TYPE, "", "type" },
    { K(FILESYSTEM), VD_PROP_ACCESSMODE, "", "accessmode" },
    { K(FILESYSTEM), VD_PROP_MODEL, "", "model" },
    { K(FILESYSTEM), VD_PROP_FS_DRIVER_TYPE, "driver", "type" },
    { K(FILESYSTEM), VD_PROP_FS_SOURCE_SOCKET, "source", "socket" },
    { K(HUB), VD_PROP_TYPE, "", "type" },
    { K(IOMMU), VD_PROP_MODEL, "", "model" },
    { K(VSOCK), VD_PROP_MODEL, "", "model" },
    { K(VSOCK), VD_PROP_CID_AUTO, "cid", "auto" },
    { K(VSOCK), VD_PROP_CID_ADDRESS, "cid", "address" },
    { K(MEMORY), VD_PROP_MODEL, "", "model" },
    { K(CRYPTO), VD_PROP_MODEL, "", "model" },
    { K(CRYPTO), VD_PROP_TYPE, "", "type" },
    { K(SHMEM), VD_PROP_MODEL, "model", "type" },
    { K(SHMEM), VD_PROP_SIZE, "size", "#text" },
    { K(SHMEM), VD_PROP_SIZE_UNIT, "size", "unit" },
    { K(SHMEM), VD_PROP_MSI_IOEVENTFD, "msi", "ioeventfd" },
    { K(IOMMU), VD_PROP_IOMMU_EIM, "driver", "eim" },
};

#undef CHR
#undef K

/* Child element order of a device as libvirt formats it; a child the engine creates
 * goes before the first existing sibling that libvirt puts after it. */
static const char *const vdDiskChildOrder[] = {
    "driver", "auth", "source", "backingStore", "geometry", "blockio", "target",
    "iotune", "readonly", "shareable", "transient", "serial", "wwn", "vendor", "product",
    "encryption", "boot", "alias", "address", NULL
};
static const char *const vdInterfaceChildOrder[] = {
    "mac", "source", "virtualport", "ip", "route", "script", "target", "guest", "model",
    "driver", "backend", "filterref", "tune", "teaming", "link", "mtu", "coalesce",
    "boot", "rom", "alias", "address", NULL
};
static const char *const vdControllerChildOrder[] = {
    "model", "target", "driver", "master", "alias", "address", NULL
};
static const char *const vdFilesystemChildOrder[] = {
    "driver", "binary", "source", "target", "readonly", "alias", "address", NULL
};
static const char *const vdGraphicsChildOrder[] = {
    "listen", "channel", "image", "jpeg", "zlib", "playback", "streaming", "clipboard",
    "mouse", "filetransfer", "gl", "audio", NULL
};
static const char *const vdRNGChildOrder[] = {
    "rate", "backend", "alias", "address", NULL
};
static const char *const vdGenericChildOrder[] = {
    "driver", "model", "size", "server", "msi", "source", "protocol", "log", "backend",
    "target", "listen", "codec", "master", "alias", "address", NULL
};

static const char *const *const vdChildOrders[VD_DEVICE_LAST] = {
    [VD_DEVICE_DISK] = vdDiskChildOrder,
    [VD_DEVICE_INTERFACE] = vdInterfaceChildOrder,
    [VD_DEVICE_CONTROLLER] = vdControllerChildOrder,
    [VD_DEVICE_FILESYSTEM] = vdFilesystemChildOrder,
    [VD_DEVICE_GRAPHICS] = vdGraphicsChildOrder,
    [VD_DEVICE_RNG] = vdRNGChildOrder,
};

static const char *const *
vdChildOrder(vdDeviceKind kind)
{
    return vdChildOrders[kind] ? vdChildOrders[kind] : vdGenericChildOrder;
}


/* Attribute orders libvirt uses, for elements the engine writes into. */
typedef struct {
    const char *element;
    const char *const order[14];
} vdAttrOrder;

static const vdAttrOrder vdAttrOrders[] = {
    { "controller", { "type", "index", "model", "ports", "vectors", NULL } },
    { "disk", { "type", "device", "model", NULL } },
    { "driver", { "name", "type", NULL } },
    { "target", { "type", "dev", "bus", "chassisNr", "chassis", "port", "busNr", "index", "name", NULL } },
    { "input", { "type", "bus", "model", NULL } },
    { "graphics", { "type", "port", "tlsPort", "autoport", "socket", "listen", NULL } },
    { "listen", { "type", "address", "network", "socket", NULL } },
    { "model", { "type", "name", "ram", "vram", "vram64", "vgamem", "heads", "primary", NULL } },
    { "audio", { "id", "type", NULL } },
    { "watchdog", { "model", "action", NULL } },
    { "memballoon", { "model", "autodeflate", "freePageReporting", NULL } },
    { "cid", { "auto", "address", NULL } },
    { "hostdev", { "mode", "type", "managed", "model", "display", NULL } },
    { "size", { "unit", NULL } },
    { "address", { "type", "domain", "controller", "bus", "target", "slot", "unit", "port",
                   "function", "base", NULL } },
};


static void
vdDomainSortAttrs(xmlNodePtr node)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdAttrOrders); i++) {
        if (g_str_equal((const char *)node->name, vdAttrOrders[i].element)) {
            vdXMLSortAttrs(node, (const char * const *)vdAttrOrders[i].order);
            return;
        }
    }
}


static int
vdChildRank(const char *const *order,
            const char *name)
{
    int i;

    for (i = 0; order[i]; i++) {
        if (g_str_equal(order[i], name))
            return i;
    }
    return -1;
}


static xmlNodePtr
vdDomainNewChild(xmlNodePtr parent,
                 const char *const *order,
                 const char *name)
{
    xmlNodePtr n = xmlNewDocNode(parent->doc, NULL, (const xmlChar *)name, NULL);
    int rank = vdChildRank(order, name);
    xmlNodePtr c;

    if (rank >= 0) {
        for (c = vdXMLFirstElement(parent); c; c = vdXMLNextElement(c)) {
            int r = c->ns ? -1 : vdChildRank(order, (const char *)c->name);

            if (r > rank) {
                xmlAddPrevSibling(c, n);
                return n;
            }
        }
    }
    xmlAddChild(parent, n);
    return n;
}


typedef struct {
    GPtrArray *nodes;   /* comments, then the element they precede */
    int rank;
} vdChildGroup;

static void
vdChildGroupClear(gpointer p)
{
    g_ptr_array_unref(((vdChildGroup *)p)->nodes);
}


static gint
vdChildGroupCmp(gconstpointer a,
                gconstpointer b)
{
    return ((const vdChildGroup *)a)->rank - ((const vdChildGroup *)b)->rank;
}


/* Put the children of a device in libvirt's order.  A child libvirt's order does not
 * name stays right after the known child it followed; comments stay in front of the
 * element they preceded. */
static void
vdDomainSortChildren(xmlNodePtr node,
                     const char *const *order)
{
    g_autoptr(GArray) groups = NULL;
    GPtrArray *pending = NULL;
    xmlNodePtr c;
    xmlNodePtr next;
    int last = -1;
    bool sorted = true;
    guint i;
    guint j;

    for (c = node->children; c; c = c->next) {
        int r;

        if (c->type != XML_ELEMENT_NODE || c->ns || (r = vdChildRank(order, (const char *)c->name)) < 0)
            continue;
        sorted &= r >= last;
        last = r;
    }
    if (sorted)
        return;

    groups = g_array_new(FALSE, FALSE, sizeof(vdChildGroup));
    g_array_set_clear_func(groups, vdChildGroupClear);
    last = -1;
    for (c = node->children; c; c = next) {
        next = c->next;
        xmlUnlinkNode(c);
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
            xmlFreeNode(c);
            continue;
        }
        if (!pending)
            pending = g_ptr_array_new();
        g_ptr_array_add(pending, c);
        if (c->type == XML_ELEMENT_NODE) {
            vdChildGroup g = { pending, -1 };

            if (!c->ns)
                g.rank = vdChildRank(order, (const char *)c->name);
            if (g.rank < 0)
                g.rank = last;
            last = g.rank;
            g_array_append_val(groups, g);
            pending = NULL;
        }
    }
    if (pending) {
        vdChildGroup g = { pending, G_MAXINT };

        g_array_append_val(groups, g);
    }
    /* g_array_sort is not stable: rank ties keep document order through the index */
    for (i = 1; i < groups->len; i++) {
        for (j = i; j > 0 && vdChildGroupCmp(&g_array_index(groups, vdChildGroup, j - 1),
                                             &g_array_index(groups, vdChildGroup, j)) > 0; j--) {
            vdChildGroup t = g_array_index(groups, vdChildGroup, j);

            g_array_index(groups, vdChildGroup, j) = g_array_index(groups, vdChildGroup, j - 1);
            g_array_index(groups, vdChildGroup, j - 1) = t;
        }
    }
    for (i = 0; i < groups->len; i++) {
        GPtrArray *nodes = g_array_index(groups, vdChildGroup, i).nodes;

        for (j = 0; j < nodes->len; j++)
            xmlAddChild(node, g_ptr_array_index(nodes, j));
    }
}


/* The element of @path below @node, created (in libvirt's order) when @create. */
static xmlNodePtr
vdDomainPathNode(xmlNodePtr node,
                 vdDeviceKind kind,
                 const char *path,
                 bool create)
{
    bool first = true;
    char name[32];

    while (*path && node) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        xmlNodePtr c;

        g_assert(len < sizeof(name));
        memcpy(name, path, len);
        name[len] = '\0';
        c = vdXMLChild(node, name);
        if (!c && create)
            c = vdDomainNewChild(node, first ? vdChildOrder(kind) : vdGenericChildOrder, name);
        node = c;
        first = false;
        path += len + (slash ? 1 : 0);
    }
    return node;
}


static const vdPropLocation *
vdPropFind(vdDeviceKind kind,
           vdProp prop)
{
    /* built once: which row, if any, places each property of each kind */
    static const vdPropLocation *index[VD_DEVICE_LAST][VD_PROP_LAST];
    static gsize ready;

    if (g_once_init_enter(&ready)) {
        size_t i;
        size_t k;

        for (i = G_N_ELEMENTS(vdPropLocations); i-- > 0;) {
            for (k = 0; k < VD_DEVICE_LAST; k++) {
                if (vdPropLocations[i].kinds & (1u << k))
                    index[k][vdPropLocations[i].prop] = &vdPropLocations[i];
            }
        }
        g_once_init_leave(&ready, 1);
    }
    return index[kind][prop];
}


/* The identifying part of a device's key, or NULL when only its position names it. */
static char *
vdDeviceIdentity(const vdDevice *dev)
{
    if (dev->kind == VD_DEVICE_CONTROLLER && vdDeviceGet(dev, VD_PROP_TYPE) &&
        vdDeviceIndex(dev) >= 0) {
        const char *model = vdDeviceGet(dev, VD_PROP_MODEL);

        /* a USB2 set shares one index: its members differ by model */
        if (vdDeviceUSBModel(dev)->ich9)
            return g_strdup_printf("controller/usb/%d/%s", vdDeviceIndex(dev), model);
        return g_strdup_printf("controller/%s/%d", vdDeviceGet(dev, VD_PROP_TYPE),
                               vdDeviceIndex(dev));
    }
    if (dev->kind == VD_DEVICE_DISK && vdDeviceGet(dev, VD_PROP_DEV))
        return g_strdup_printf("disk/%s", vdDeviceGet(dev, VD_PROP_DEV));
    if (dev->kind == VD_DEVICE_INTERFACE && vdDeviceGet(dev, VD_PROP_MAC))
        return g_strdup_printf("interface/%s", vdDeviceGet(dev, VD_PROP_MAC));
    if (dev->kind == VD_DEVICE_AUDIO && vdDeviceGet(dev, VD_PROP_ID))
        return g_strdup_printf("audio/%s", vdDeviceGet(dev, VD_PROP_ID));
    return NULL;
}


/* Names for the devices of @def that stay the same across parses of the same
 * definition: the attributes that identify a device where libvirt has some, else its
 * position among the devices of its kind.  A name two devices would share (two NICs
 * with one MAC) gets the occurrence appended.  Maps vdDevice * to char *. */
GHashTable *
vdDomainDefKeys(const vdDomainDef *def)
{
    GHashTable *keys = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    /* how often each name came up; a name is stored as its first occurrence's string,
     * which @keys owns and keeps beyond this table */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t k;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        guint n = 0;

        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *d = g_ptr_array_index(def->devices[k], i);
            char num[VD_XML_NUMBER_LEN];
            char *key;
            guint dup;

            if (d->removed)
                continue;
            if (!(key = vdDeviceIdentity(d)))
                key = g_strconcat(vdDeviceKindTypeToString(k), "/#", vdXMLNumber(num, n, 0), NULL);
            n++;
            dup = GPOINTER_TO_UINT(g_hash_table_lookup(seen, key));
            /* an existing name keeps its string: insert() does not replace keys */
            g_hash_table_insert(seen, key, GUINT_TO_POINTER(dup + 1));
            if (dup) {
                char *unique = g_strdup_printf("%s#%u", key, dup);

                g_free(key);
                key = unique;
            }
            g_hash_table_insert(keys, d, key);
        }
    }
    return keys;
}


/* Whether the engine supplied anything in @dev. */
bool
vdDeviceIsSupplied(const vdDevice *dev)
{
    size_t p;

    if (dev->origin || dev->addrOrigin)
        return true;
    for (p = 0; p < VD_PROP_LAST; p++) {
        if (dev->propOrigin[p])
            return true;
    }
    return false;
}


vdDevice *
vdDeviceNew(vdDeviceKind kind)
{
    vdDevice *dev = g_new0(vdDevice, 1);

    dev->kind = kind;
    dev->controllerType = -1;
    dev->usbModel = -1;
    dev->diskBus = -1;
    return dev;
}


/* The one place the typed views of a device's strings are derived: whatever
 * changes props[] calls it, so that they never disagree. */
static void
vdDeviceDeriveTypes(vdDevice *dev)
{
    dev->controllerType = -1;
    dev->usbModel = -1;
    dev->diskBus = -1;
    if (dev->kind == VD_DEVICE_DISK)
        dev->diskBus = vdDiskBusTypeFromString(dev->props[VD_PROP_BUS]);
    if (dev->kind == VD_DEVICE_CONTROLLER)
        dev->controllerType = vdControllerTypeFromString(dev->props[VD_PROP_TYPE]);
    if (dev->controllerType == VD_CONTROLLER_USB)
        dev->usbModel = vdUSBModelTypeFromString(dev->props[VD_PROP_MODEL]);
}


void
vdAddressClear(vdAddress *addr)
{
    g_free(addr->usbPort);
    memset(addr, 0, sizeof(*addr));
}


void
vdAddressCopy(vdAddress *dst,
              const vdAddress *src)
{
    if (dst == src)
        return;
    vdAddressClear(dst);
    *dst = *src;
    dst->usbPort = g_strdup(src->usbPort);
}


/* Two addresses that say the same: usbPort is the one member compared by value. */
bool
vdAddressEqual(const vdAddress *a,
               const vdAddress *b)
{
    vdAddress x = *a;
    vdAddress y = *b;

    if (g_strcmp0(a->usbPort, b->usbPort) != 0)
        return false;
    x.usbPort = y.usbPort = NULL;
    return memcmp(&x, &y, sizeof(x)) == 0;
}


/* A copy of @dev that shares its XML node, which only vdDomainDefSync() of the
 * view owning the node may write. */
vdDevice *
vdDeviceCopy(const vdDevice *dev)
{
    vdDevice *copy = g_new0(vdDevice, 1);
    size_t p;

    *copy = *dev;
    for (p = 0; p < VD_PROP_LAST; p++) {
        if (dev->props[p])
            copy->props[p] = g_strdup(dev->props[p]);
    }
    copy->addr.usbPort = g_strdup(dev->addr.usbPort);
    /* derived again, not copied: a guard may have cleared strings in place */
    vdDeviceDeriveTypes(copy);
    return copy;
}


void
vdDeviceFree(vdDevice *dev)
{
    size_t i;

    if (!dev)
        return;
    for (i = 0; i < VD_PROP_LAST; i++)
        g_free(dev->props[i]);
    vdAddressClear(&dev->addr);
    g_free(dev);
}


const char *
vdDeviceGet(const vdDevice *dev,
            vdProp prop)
{
    return dev->props[prop];
}


bool
vdDevicePropIs(const vdDevice *dev,
               vdProp prop,
               const char *value)
{
    return dev->props[prop] && g_str_equal(dev->props[prop], value);
}


void
vdDeviceSet(vdDevice *dev,
            vdProp prop,
            const char *value,
            const char *origin)
{
    vdDeviceTake(dev, prop, g_strdup(value), origin ? origin : "");
}


/* Like vdDeviceSet(), but @value becomes the device's and @origin is kept as given,
 * NULL included: for moving a planned value into the view. */
void
vdDeviceTake(vdDevice *dev,
             vdProp prop,
             char *value,
             const char *origin)
{
    g_free(dev->props[prop]);
    dev->props[prop] = value;
    dev->propOrigin[prop] = origin;
    if (prop == VD_PROP_TYPE || prop == VD_PROP_MODEL || prop == VD_PROP_BUS)
        vdDeviceDeriveTypes(dev);
}


/* The typed views are read through these, which also check that the string is still
 * there: vdStampStrip() clears strings in place, and a cleared one reads as absent
 * until the view is copied. */

/* Whether @dev is a controller of @type. */
bool
vdControllerIs(const vdDevice *dev,
               vdControllerType type)
{
    return dev->kind == VD_DEVICE_CONTROLLER && dev->controllerType == (int)type &&
        dev->props[VD_PROP_TYPE];
}


/* Whether @dev is a USB controller of @model. */
bool
vdUSBModelIs(const vdDevice *dev,
             vdUSBModelType model)
{
    return vdControllerIs(dev, VD_CONTROLLER_USB) && dev->usbModel == (int)model &&
        dev->props[VD_PROP_MODEL];
}


/* What the model of @dev is, if it is a USB controller of a model the table has; a row
 * that says nothing otherwise. */
const vdUSBModelInfo *
vdDeviceUSBModel(const vdDevice *dev)
{
    if (!vdControllerIs(dev, VD_CONTROLLER_USB) || !dev->props[VD_PROP_MODEL])
        return vdUSBModelInfoGet(-1);
    return vdUSBModelInfoGet(dev->usbModel);
}


/* Whether @dev is a disk on @bus. */
bool
vdDiskBusIs(const vdDevice *dev,
            vdDiskBusType bus)
{
    return dev->kind == VD_DEVICE_DISK && dev->diskBus == (int)bus && dev->props[VD_PROP_BUS];
}


void
vdDeviceSetAddress(vdDevice *dev,
                   const vdAddress *addr,
                   const char *origin)
{
    vdAddressCopy(&dev->addr, addr);
    dev->addrChanged = true;
    dev->addrOrigin = origin ? origin : "";
}


/* The controller index, or -1 when it has none (yet). */
int
vdDeviceIndex(const vdDevice *dev)
{
    guint64 n;

    if (!dev->props[VD_PROP_INDEX] ||
        !g_ascii_string_to_unsigned(dev->props[VD_PROP_INDEX], 10, 0, G_MAXINT, &n, NULL))
        return -1;
    return (int)n;
}


/* sda -> 0, sdz -> 25, sdaa -> 26, as libvirt numbers disk names. */
int
vdDiskNameToIndex(const char *name)
{
    static const char *const prefixes[] = { "fd", "hd", "vd", "sd", "xvd", "ubd", NULL };
    const char *p = NULL;
    gint64 idx = 0;
    size_t i;

    if (!name)
        return -1;
    for (i = 0; prefixes[i]; i++) {
        if (g_str_has_prefix(name, prefixes[i])) {
            p = name + strlen(prefixes[i]);
            break;
        }
    }
    if (!p || !*p)
        return -1;
    for (i = 0; *p; p++, i++) {
        if (!g_ascii_islower(*p))
            return -1;
        idx = (idx + (i > 0 ? 1 : 0)) * 26 + (*p - 'a');
        if (idx > G_MAXINT)
            return -1;
    }
    return (int)idx;
}


/* Reads the unsigned attribute @name into @addr->@field; in the parsers below, a
 * malformed one ends the parse. */
#define U(name, field) \
    if (vdXMLPropUInt(node, name, &addr->field, error) < 0) \
        return false

static bool
vdAddressParsePCI(xmlNodePtr node,
                  vdAddress *addr,
                  GError **error)
{
    g_autofree char *multi = NULL;
    xmlNodePtr zpci;

    U("domain", domain);
    U("bus", bus);
    U("slot", slot);
    U("function", function);
    if (addr->domain > 0xffff || addr->bus > 0xff || addr->slot > 0x1f || addr->function > 7) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: PCI address %2$04x:%3$02x:%4$02x.%5$x is out of range"),
                    xmlGetLineNo(node), addr->domain, addr->bus, addr->slot, addr->function);
        return false;
    }
    if ((zpci = vdXMLChild(node, "zpci"))) {
        int uid;
        int fid;

        addr->hasZpci = true;
        if ((uid = vdXMLPropUInt(zpci, "uid", &addr->zpciUid, error)) < 0 ||
            (fid = vdXMLPropUInt(zpci, "fid", &addr->zpciFid, error)) < 0)
            return false;
        addr->zpciUidSet = uid > 0;
        addr->zpciFidSet = fid > 0;
    }
    multi = vdXMLPropGet(node, "multifunction");
    if (multi)
        addr->multi = g_str_equal(multi, "on") ? VD_TRISTATE_YES : VD_TRISTATE_NO;
    return true;
}


static bool
vdAddressParseUSB(xmlNodePtr node,
                  vdAddress *addr,
                  GError **error)
{
    g_auto(GStrv) parts = NULL;
    guint64 p;
    size_t i;

    U("bus", bus);
    addr->usbPort = vdXMLPropGet(node, "port");
    if (!addr->usbPort)
        return true;
    parts = g_strsplit(addr->usbPort, ".", -1);
    /* a root port and at most four levels of hubs, as libvirt parses it */
    for (i = 0; parts[i]; i++) {
        if (i > 4 || !g_ascii_string_to_unsigned(parts[i], 10, 1, 255, &p, NULL)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("line %1$ld: cannot parse USB port '%2$s'"),
                        xmlGetLineNo(node), addr->usbPort);
            return false;
        }
    }
    return true;
}


/* A DIMM's base and slot, or a spapr-vio device's reg. */
static bool
vdAddressParseReg(xmlNodePtr node,
                  vdAddress *addr,
                  GError **error)
{
    g_autofree char *reg = vdXMLPropGet(node, addr->type == VD_ADDRESS_DIMM ? "base" : "reg");
    guint64 r;

    if (reg) {
        const char *s = reg;
        guint base = 16;    /* libvirt reads reg and base as hex, with or without 0x */

        if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X"))
            s += 2;
        if (!g_ascii_string_to_unsigned(s, base, 0, G_MAXUINT64, &r, NULL)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("line %1$ld: invalid spapr-vio reg '%2$s'"), xmlGetLineNo(node), reg);
            return false;
        }
        addr->reg = r;
        addr->hasReg = true;
    }
    if (addr->type == VD_ADDRESS_DIMM)
        U("slot", slot);
    return true;
}


/* The fields of an address of the type @addr already has. */
static bool
vdAddressParseFields(xmlNodePtr node,
                     vdAddress *addr,
                     GError **error)
{
    switch (addr->type) {
    case VD_ADDRESS_PCI:
        return vdAddressParsePCI(node, addr, error);
    case VD_ADDRESS_DRIVE:
        U("controller", controller);
        U("bus", bus);
        U("target", target);
        U("unit", unit);
        break;
    case VD_ADDRESS_VIRTIO_SERIAL:
        U("controller", controller);
        U("bus", bus);
        U("port", port);
        break;
    case VD_ADDRESS_CCID:
        U("controller", controller);
        U("slot", slot);
        break;
    case VD_ADDRESS_USB:
        return vdAddressParseUSB(node, addr, error);
    case VD_ADDRESS_CCW:
        /* <address type='ccw'/> asks for an address, as libvirt reads it */
        if (!xmlHasProp(node, (const xmlChar *)"cssid") && !xmlHasProp(node, (const xmlChar *)"ssid") &&
            !xmlHasProp(node, (const xmlChar *)"devno")) {
            addr->type = VD_ADDRESS_NONE;
            break;
        }
        U("cssid", cssid);
        U("ssid", ssid);
        U("devno", devno);
        break;
    case VD_ADDRESS_DIMM:
    case VD_ADDRESS_SPAPRVIO:
        return vdAddressParseReg(node, addr, error);
    case VD_ADDRESS_VIRTIO_MMIO:
    case VD_ADDRESS_ISA:
    case VD_ADDRESS_UNASSIGNED:
        addr->opaque = true;
        break;
    case VD_ADDRESS_NONE:
    case VD_ADDRESS_LAST:
        break;
    }
    return true;
}

#undef U


static bool
vdAddressParse(xmlNodePtr node,
               vdAddress *addr,
               GError **error)
{
    g_autofree char *type = vdXMLPropGet(node, "type");
    int t;

    memset(addr, 0, sizeof(*addr));
    if (!type) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: <address> has no 'type'"), xmlGetLineNo(node));
        return false;
    }
    if ((t = vdAddressTypeTypeFromString(type)) <= 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: unknown address type '%2$s'"), xmlGetLineNo(node), type);
        return false;
    }
    addr->type = t;
    return vdAddressParseFields(node, addr, error);
}


/* Writes @addr into @node, a new <address> element, attribute by attribute in the
 * order libvirt writes them. */
static void
vdAddressFormat(xmlNodePtr node,
                const vdAddress *addr)
{
#define NUM(name, val, hex) vdXMLAddPropNumber(node, name, val, hex)

    xmlNewProp(node, (const xmlChar *)"type",
               (const xmlChar *)vdAddressTypeTypeToString(addr->type));
    switch (addr->type) {
    case VD_ADDRESS_PCI:
        NUM("domain", addr->domain, 4);
        NUM("bus", addr->bus, 2);
        NUM("slot", addr->slot, 2);
        NUM("function", addr->function, 1);
        if (addr->multi != VD_TRISTATE_ABSENT)
            xmlNewProp(node, (const xmlChar *)"multifunction",
                       (const xmlChar *)(addr->multi == VD_TRISTATE_YES ? "on" : "off"));
        if (addr->hasZpci) {
            xmlNodePtr z = xmlNewChild(node, NULL, (const xmlChar *)"zpci", NULL);

            vdXMLAddPropNumber(z, "uid", addr->zpciUid, 4);
            vdXMLAddPropNumber(z, "fid", addr->zpciFid, 8);
        }
        break;
    case VD_ADDRESS_DRIVE:
        NUM("controller", addr->controller, 0);
        NUM("bus", addr->bus, 0);
        NUM("target", addr->target, 0);
        NUM("unit", addr->unit, 0);
        break;
    case VD_ADDRESS_VIRTIO_SERIAL:
        NUM("controller", addr->controller, 0);
        NUM("bus", addr->bus, 0);
        NUM("port", addr->port, 0);
        break;
    case VD_ADDRESS_CCID:
        NUM("controller", addr->controller, 0);
        NUM("slot", addr->slot, 0);
        break;
    case VD_ADDRESS_USB:
        NUM("bus", addr->bus, 0);
        if (addr->usbPort)
            xmlNewProp(node, (const xmlChar *)"port", (const xmlChar *)addr->usbPort);
        break;
    case VD_ADDRESS_CCW:
        NUM("cssid", addr->cssid, 1);
        NUM("ssid", addr->ssid, 1);
        NUM("devno", addr->devno, 4);
        break;
    case VD_ADDRESS_SPAPRVIO:
        if (addr->hasReg)
            NUM("reg", addr->reg, 8);
        break;
    case VD_ADDRESS_DIMM:
        NUM("slot", addr->slot, 0);
        if (addr->hasReg)
            NUM("base", addr->reg, 1);
        break;
    case VD_ADDRESS_VIRTIO_MMIO:
    case VD_ADDRESS_ISA:
    case VD_ADDRESS_UNASSIGNED:
    case VD_ADDRESS_NONE:
    case VD_ADDRESS_LAST:
        break;
    }
#undef NUM
}


/* libvirt keeps disks grouped by bus and sorted by target name within a bus. */
static void
vdDomainDefInsertDisk(vdDomainDef *def,
                      vdDevice *disk)
{
    GPtrArray *disks = def->devices[VD_DEVICE_DISK];
    const char *bus = vdDeviceGet(disk, VD_PROP_BUS);
    int idx = disk->diskIndex = vdDiskNameToIndex(vdDeviceGet(disk, VD_PROP_DEV));
    int insertAt = -1;
    int i;

    for (i = (int)disks->len - 1; i >= 0; i--) {
        vdDevice *d = g_ptr_array_index(disks, i);

        if (g_strcmp0(vdDeviceGet(d, VD_PROP_BUS), bus) != 0)
            continue;
        if (d->diskIndex > idx)
            insertAt = i;
        else if (insertAt == -1)
            insertAt = i + 1;
    }
    if (insertAt < 0)
        g_ptr_array_add(disks, disk);
    else
        g_ptr_array_insert(disks, insertAt, disk);
}


static bool
vdControllerIsMaster(const vdDevice *cont)
{
    /* libvirt gives an ICH9 UHCI companion its <master> as it reads it */
    return !vdDeviceGet(cont, VD_PROP_STARTPORT) && !vdDeviceUSBModel(cont)->companion;
}


/* libvirt keeps controllers of one type together, in index order, a USB master
 * before its companions; controllers of a new type go last. */
void
vdDomainDefInsertController(vdDomainDef *def,
                            vdDevice *cont)
{
    GPtrArray *conts = def->devices[VD_DEVICE_CONTROLLER];
    const char *type = vdDeviceGet(cont, VD_PROP_TYPE);
    int idx = vdDeviceIndex(cont);
    int insertAt = -1;
    int i;

    for (i = (int)conts->len - 1; i >= 0; i--) {
        vdDevice *c = g_ptr_array_index(conts, i);
        int cidx = vdDeviceIndex(c);

        if (g_strcmp0(vdDeviceGet(c, VD_PROP_TYPE), type) != 0)
            continue;
        if (idx == -1) {
            insertAt = i + 1;
            break;
        }
        if (cidx > idx) {
            insertAt = i;
        } else if (vdControllerIsMaster(cont) && !vdControllerIsMaster(c) && cidx == idx) {
            insertAt = i;
        } else if (insertAt == -1) {
            insertAt = i + 1;
        }
    }
    if (insertAt < 0)
        g_ptr_array_add(conts, cont);
    else
        g_ptr_array_insert(conts, insertAt, cont);
}


void
vdDomainDefAddDevice(vdDomainDef *def,
                     vdDevice *dev)
{
    if (dev->kind == VD_DEVICE_CONTROLLER)
        vdDomainDefInsertController(def, dev);
    else if (dev->kind == VD_DEVICE_DISK)
        vdDomainDefInsertDisk(def, dev);
    else
        g_ptr_array_add(def->devices[dev->kind], dev);
}


vdDevice *
vdDomainDefFindController(const vdDomainDef *def,
                          vdControllerType type,
                          int idx)
{
    GPtrArray *conts = def->devices[VD_DEVICE_CONTROLLER];
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (vdControllerIs(c, type) && vdDeviceIndex(c) == idx)
            return c;
    }
    return NULL;
}


guint
vdDomainDefCount(const vdDomainDef *def,
                 vdDeviceKind kind)
{
    return def->devices[kind]->len;
}


guint
vdDomainDefCountAll(const vdDomainDef *def)
{
    guint n = 0;
    size_t i;

    for (i = 0; i < VD_DEVICE_LAST; i++)
        n += def->devices[i]->len;
    return n;
}


/* The device limit, on what was read or what the engine made of it. */
bool
vdDomainDefCheckSize(const vdDomainDef *def,
                     GError **error)
{
    guint n = vdDomainDefCountAll(def);

    if (n > VD_DOMAIN_MAX_DEVICES) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("the definition has %1$u devices, more than the limit of %2$u"),
                    n, (unsigned int)VD_DOMAIN_MAX_DEVICES);
        return false;
    }
    return true;
}


vdDevice *
vdDomainDefGet(const vdDomainDef *def,
               vdDeviceKind kind,
               guint i)
{
    return g_ptr_array_index(def->devices[kind], i);
}


static vdDevice *
vdDeviceParse(xmlNodePtr node,
              vdDeviceKind kind,
              GError **error)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)vdDeviceFree);
    vdDevice *dev = vdDeviceNew(kind);
    xmlNodePtr a;
    size_t i;

    g_ptr_array_add(keep, dev);
    dev->node = node;
    for (i = 0; i < VD_PROP_LAST; i++) {
        const vdPropLocation *loc = vdPropFind(kind, i);
        xmlNodePtr n;

        if (!loc)
            continue;
        if (!(n = vdDomainPathNode(node, kind, loc->path, false)))
            continue;
        if (loc->attr && g_str_equal(loc->attr, "#text"))
            dev->props[loc->prop] = g_strstrip(vdXMLContent(n));
        else if (loc->attr)
            dev->props[loc->prop] = vdXMLPropGet(n, loc->attr);
        else
            dev->props[loc->prop] = g_strdup("yes");
    }
    vdDeviceDeriveTypes(dev);
    if ((a = vdXMLChild(node, "address")) && !vdAddressParse(a, &dev->addr, error))
        return NULL;
    if (kind == VD_DEVICE_CONTROLLER && dev->props[VD_PROP_INDEX]) {
        /* a PCI controller's index is a bus number; other indexes only need to fit */
        guint64 max = vdControllerIs(dev, VD_CONTROLLER_PCI) ? 255 : G_MAXINT;
        guint64 n;

        if (!g_ascii_string_to_unsigned(dev->props[VD_PROP_INDEX], 10, 0, max, &n, NULL)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("line %1$ld: controller index '%2$s' is not a number from 0 to %3$lu"),
                        xmlGetLineNo(node), dev->props[VD_PROP_INDEX], (unsigned long)max);
            return NULL;
        }
    }
    g_ptr_array_steal_index(keep, 0);
    return dev;
}


/* Reading a definition, libvirt inserts every disk and controller into its list with
 * a walk over that list (vdDomainDefInsertDisk, vdDomainDefInsertController), which is
 * quadratic in the devices.  The order those walks leave is a sort, done here once
 * when the whole <devices> is read:
 *
 *  - the disks of one bus, the controllers of one type stay together, each group
 *    where its first device was read;
 *  - within a group, disks go by the index of their target name, and controllers
 *    with an index by that index, a USB master before its companions; equal keys
 *    keep document order;
 *  - a controller without an index goes after every controller of its group read so
 *    far; a later one goes before it exactly when some controller before it has a
 *    larger key, that is when the later key is below the largest key read before
 *    it.  It sorts as that largest key, after the controllers read before it.
 *
 * tests/vdxml2xmltest and the goldens check the result against libvirt's. */
typedef struct {
    guint group;
    int key;
    int sub;
    guint seq;
    vdDevice *dev;
} vdParseEntry;

typedef struct {
    int key;
    int sub;
    bool any;
} vdParseMax;

typedef struct {
    GHashTable *groups;     /* bus or type -> group + 1 */
    guint nullGroup;        /* group + 1 of the devices with no bus or type; 0: none yet */
    GArray *entries;        /* vdParseEntry, in document order */
    GArray *max;            /* vdParseMax per group: the largest controller key so far */
} vdParseOrder;


static void
vdParseOrderInit(vdParseOrder *order)
{
    order->groups = g_hash_table_new(g_str_hash, g_str_equal);
    order->nullGroup = 0;
    order->entries = g_array_new(FALSE, FALSE, sizeof(vdParseEntry));
    order->max = g_array_new(FALSE, TRUE, sizeof(vdParseMax));
}


static void
vdParseOrderClear(vdParseOrder *order)
{
    g_clear_pointer(&order->groups, g_hash_table_unref);
    g_clear_pointer(&order->entries, g_array_unref);
    g_clear_pointer(&order->max, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vdParseOrder, vdParseOrderClear);


/* The group of devices with bus or type @name, a new one when it is the first. */
static guint
vdParseOrderGroup(vdParseOrder *order,
                  const char *name)
{
    guint n = name ? GPOINTER_TO_UINT(g_hash_table_lookup(order->groups, name)) : order->nullGroup;

    if (n == 0) {
        n = order->max->len + 1;
        g_array_set_size(order->max, n);
        if (name)
            g_hash_table_insert(order->groups, (gpointer)name, GUINT_TO_POINTER(n));
        else
            order->nullGroup = n;
    }
    return n - 1;
}


/* Note @dev, just appended to its list, with its key for vdParseOrderApply(). */
static void
vdParseOrderAdd(vdParseOrder *order,
                vdDevice *dev)
{
    vdParseEntry e = { .seq = order->entries->len, .dev = dev };
    vdParseMax *max;

    if (dev->kind == VD_DEVICE_DISK) {
        e.group = vdParseOrderGroup(order, vdDeviceGet(dev, VD_PROP_BUS));
        e.key = dev->diskIndex = vdDiskNameToIndex(vdDeviceGet(dev, VD_PROP_DEV));
    } else {
        e.group = vdParseOrderGroup(order, vdDeviceGet(dev, VD_PROP_TYPE));
        max = &g_array_index(order->max, vdParseMax, e.group);
        e.key = vdDeviceIndex(dev);
        if (e.key >= 0) {
            e.sub = vdControllerIsMaster(dev) ? 0 : 1;
            if (!max->any || e.key > max->key || (e.key == max->key && e.sub > max->sub))
                *max = (vdParseMax){ e.key, e.sub, true };
        } else {
            e.key = max->any ? max->key : -1;
            e.sub = max->any ? max->sub : -1;
        }
    }
    g_array_append_val(order->entries, e);
}


static gint
vdParseEntryCmp(gconstpointer pa,
                gconstpointer pb)
{
    const vdParseEntry *a = pa;
    const vdParseEntry *b = pb;

    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}


/* Put @list, whose devices are exactly those noted in @order, in libvirt's order. */
static void
vdParseOrderApply(vdParseOrder *order,
                  GPtrArray *list)
{
    guint i;

    g_assert(list->len == order->entries->len);
    g_array_sort(order->entries, vdParseEntryCmp);
    for (i = 0; i < list->len; i++)
        list->pdata[i] = g_array_index(order->entries, vdParseEntry, i).dev;
}


/* Every device of every <devices> element, each list in libvirt's order. */
static bool
vdDomainDefParseDevices(vdDomainDef *def,
                        unsigned int flags,
                        GError **error)
{
    g_auto(vdParseOrder) disks = { 0 };
    g_auto(vdParseOrder) conts = { 0 };
    xmlNodePtr devices;
    xmlNodePtr n;
    guint count = 0;

    vdParseOrderInit(&disks);
    vdParseOrderInit(&conts);
    /* libvirt reads every <devices> element as one list; so do we, and
     * vdDomainDefSync() merges them into the first */
    for (devices = vdXMLFirstElement(def->root); devices; devices = vdXMLNextElement(devices)) {
        if (!vdXMLNameIs(devices, "devices"))
            continue;
        for (n = vdXMLFirstElement(devices); n; n = vdXMLNextElement(n)) {
            int kind;
            vdDevice *dev;

            if (n->ns || (kind = vdDeviceKindTypeFromString((const char *)n->name)) < 0)
                continue;
            if (++count > VD_DOMAIN_MAX_DEVICES) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("line %1$ld: the definition has more than %2$u devices, the limit"),
                            xmlGetLineNo(n), (unsigned int)VD_DOMAIN_MAX_DEVICES);
                return false;
            }
            if (!(dev = vdDeviceParse(n, kind, error)))
                return false;
            if (flags & VD_DOMAIN_PARSE_KEEP_ORDER) {
                g_ptr_array_add(def->devices[kind], dev);
            } else if (kind == VD_DEVICE_VIDEO && vdDevicePropIs(dev, VD_PROP_VIDEO_PRIMARY, "yes")) {
                g_ptr_array_insert(def->devices[kind], 0, dev); /* the primary video is videos[0] */
            } else if (kind == VD_DEVICE_DISK || kind == VD_DEVICE_CONTROLLER) {
                g_ptr_array_add(def->devices[kind], dev);
                vdParseOrderAdd(kind == VD_DEVICE_DISK ? &disks : &conts, dev);
            } else {
                vdDomainDefAddDevice(def, dev);
            }
        }
    }
    if (!(flags & VD_DOMAIN_PARSE_KEEP_ORDER)) {
        vdParseOrderApply(&disks, def->devices[VD_DEVICE_DISK]);
        vdParseOrderApply(&conts, def->devices[VD_DEVICE_CONTROLLER]);
    }
    return true;
}


vdDomainDef *
vdDomainDefParse(xmlDocPtr doc,
                 GError **error)
{
    return vdDomainDefParseFlags(doc, 0, error);
}


vdDomainDef *
vdDomainDefParseFlags(xmlDocPtr doc,
                      unsigned int flags,
                      GError **error)
{
    g_autoptr(vdDomainDef) def = g_new0(vdDomainDef, 1);
    xmlNodePtr os;
    xmlNodePtr type;
    xmlNodePtr features;
    xmlNodePtr vcpu;
    size_t i;

    for (i = 0; i < VD_DEVICE_LAST; i++)
        def->devices[i] = g_ptr_array_new_with_free_func((GDestroyNotify)vdDeviceFree);

    def->doc = doc;
    def->root = xmlDocGetRootElement(doc);
    def->rulesUsed = g_hash_table_new(g_str_hash, g_str_equal);
    def->virtType = vdXMLPropGet(def->root, "type");
    if (!def->virtType) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: <domain> has no 'type' attribute"), xmlGetLineNo(def->root));
        return NULL;
    }
    os = vdXMLChild(def->root, "os");
    type = vdXMLChild(os, "type");
    if (!type) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: the definition has no <os><type>"), xmlGetLineNo(os ? os : def->root));
        return NULL;
    }
    def->arch = vdXMLPropGet(type, "arch");
    def->machine = vdXMLPropGet(type, "machine");

    if ((vcpu = vdXMLChild(def->root, "vcpu"))) {
        g_autofree char *c = vdXMLContent(vcpu);
        guint64 v = 1;

        if (c && !g_ascii_string_to_unsigned(g_strstrip(c), 10, 1, G_MAXUINT, &v, NULL)) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("line %1$ld: invalid vcpu count '%2$s'"), xmlGetLineNo(vcpu), c);
            return NULL;
        }
        def->vcpus = (unsigned int)v;
    } else {
        def->vcpus = 1;
    }

    if ((features = vdXMLChild(def->root, "features"))) {
        xmlNodePtr ps2 = vdXMLChild(features, "ps2");

        def->ps2Off = ps2 && vdXMLPropIs(ps2, "state", "off");
        def->hasPS2Feature = ps2 != NULL;
    }
    def->hasMaxMemory = vdXMLChild(def->root, "maxMemory") != NULL;
    def->hasNUMA = vdXMLChild(vdXMLChild(def->root, "cpu"), "numa") != NULL;

    if (!vdDomainDefParseDevices(def, flags, error))
        return NULL;
    return g_steal_pointer(&def);
}


/* Note that the rules in @rules (ids) decided something about @def. */
void
vdDomainDefAddRules(vdDomainDef *def,
                    GHashTable *rules)
{
    GHashTableIter it;
    gpointer rule;

    if (!def->rulesUsed || !rules)
        return;
    g_hash_table_iter_init(&it, rules);
    while (g_hash_table_iter_next(&it, &rule, NULL))
        g_hash_table_add(def->rulesUsed, rule);
}


/* The copy in @copy of the serial port or console @orig. */
static const vdDevice *
vdDomainDefFindCopy(const vdDomainDef *copy,
                    const vdDevice *orig)
{
    GPtrArray *devs = copy->devices[orig->kind];
    guint i;

    for (i = 0; i < devs->len; i++) {
        const vdDevice *d = g_ptr_array_index(devs, i);

        if (d->source == orig)
            return d;
    }
    return NULL;
}


/* A copy of the view for a planner to work on: the devices are copies that know
 * their originals (vdDevice.source); the document stays @def's. */
vdDomainDef *
vdDomainDefCopy(const vdDomainDef *def)
{
    vdDomainDef *copy = g_new0(vdDomainDef, 1);
    size_t k;
    guint i;

    *copy = *def;
    copy->virtType = g_strdup(def->virtType);
    copy->arch = g_strdup(def->arch);
    copy->machine = g_strdup(def->machine);
    copy->newMachine = g_strdup(def->newMachine);
    copy->newArch = g_strdup(def->newArch);
    /* The planner adds the id of every rule it consults, the same few many times
     * over; they are the table's own strings, so their addresses do as keys, and
     * vdDomainDefAddRules() merges them into @def's set by name. */
    copy->rulesUsed = g_hash_table_new(NULL, NULL);
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        GPtrArray *src = def->devices[k];

        /* most kinds have no device: no room is allocated until one is added */
        copy->devices[k] = g_ptr_array_new_full(src->len, (GDestroyNotify)vdDeviceFree);
        for (i = 0; i < src->len; i++) {
            const vdDevice *d = g_ptr_array_index(src, i);
            vdDevice *dc = vdDeviceCopy(d);

            dc->source = d;
            g_ptr_array_add(copy->devices[k], dc);
        }
    }
    /* a console that mirrors a serial port (or the reverse) points at the copy */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        if (k != VD_DEVICE_SERIAL && k != VD_DEVICE_CONSOLE)
            continue;
        for (i = 0; i < copy->devices[k]->len; i++) {
            vdDevice *d = g_ptr_array_index(copy->devices[k], i);

            if (d->copyOf)
                d->copyOf = vdDomainDefFindCopy(copy, d->copyOf);
        }
    }
    return copy;
}


void
vdDomainDefFree(vdDomainDef *def)
{
    size_t i;

    if (!def)
        return;
    for (i = 0; i < VD_DEVICE_LAST; i++) {
        if (def->devices[i])
            g_ptr_array_unref(def->devices[i]);
    }
    g_free(def->virtType);
    g_free(def->arch);
    g_free(def->machine);
    g_free(def->newMachine);
    g_free(def->newArch);
    if (def->rulesUsed)
        g_hash_table_unref(def->rulesUsed);
    g_free(def);
}


/* A device that copies another (a console mirroring a serial port) starts from that
 * one's element, less what identifies the original. */
static xmlNodePtr
vdDeviceNodeFromCopy(const vdDevice *dev,
                     xmlDocPtr doc)
{
    xmlNodePtr node = xmlDocCopyNode(dev->copyOf->node, doc, 1);
    xmlNodePtr c;
    xmlNodePtr next;

    xmlNodeSetName(node, (const xmlChar *)vdDeviceKindTypeToString(dev->kind));
    for (c = node->children; c; c = next) {
        next = c->next;
        if (vdXMLNameIs(c, "target") || vdXMLNameIs(c, "address") || vdXMLNameIs(c, "alias")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    return node;
}


/* The elements of one device whose attributes the sync wrote: each is put in
 * libvirt's attribute order once, after the last write, rather than after every one. */
#define VD_SYNC_TOUCHED 8
typedef struct {
    xmlNodePtr nodes[VD_SYNC_TOUCHED];
    guint n;
} vdSyncTouched;


static void
vdSyncTouchedAdd(vdSyncTouched *t,
                 xmlNodePtr node)
{
    guint i;

    for (i = 0; i < t->n; i++) {
        if (t->nodes[i] == node)
            return;
    }
    if (t->n == VD_SYNC_TOUCHED) {
        vdDomainSortAttrs(node);
        return;
    }
    t->nodes[t->n++] = node;
}


/* @node is about to be freed: forget it and the elements below it. */
static void
vdSyncTouchedForget(vdSyncTouched *t,
                    xmlNodePtr node)
{
    guint i = 0;

    while (i < t->n) {
        xmlNodePtr n = t->nodes[i];

        while (n && n != node)
            n = n->parent;
        if (n)
            t->nodes[i] = t->nodes[--t->n];
        else
            i++;
    }
}


static void
vdSyncTouchedSort(vdSyncTouched *t)
{
    guint i;

    for (i = 0; i < t->n; i++)
        vdDomainSortAttrs(t->nodes[i]);
    t->n = 0;
}


/* Removes a property the view has cleared from the device's element. */
static void
vdDevicePropRemove(vdDevice *dev,
                   const vdPropLocation *loc,
                   vdSyncTouched *touched)
{
    xmlNodePtr n = vdDomainPathNode(dev->node, dev->kind, loc->path, false);

    if (!n)
        return;
    if (loc->attr && g_str_equal(loc->attr, "#text")) {
        xmlNodeSetContent(n, NULL);
    } else if (loc->attr) {
        xmlUnsetProp(n, (const xmlChar *)loc->attr);
        /* an element left with nothing to say goes too */
        if (n != dev->node && !n->properties && !vdXMLFirstElement(n)) {
            vdSyncTouchedForget(touched, n);
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
    } else {
        vdSyncTouchedForget(touched, n);
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
}


/* Writes a property the view has set into the device's element. */
static void
vdDevicePropWrite(vdDevice *dev,
                  const vdPropLocation *loc,
                  const char *value,
                  vdSyncTouched *touched)
{
    xmlNodePtr n = vdDomainPathNode(dev->node, dev->kind, loc->path, true);

    if (loc->attr && g_str_equal(loc->attr, "#text")) {
        xmlNodeSetContent(n, NULL);
        xmlNodeAddContent(n, (const xmlChar *)value);
    } else if (loc->attr) {
        xmlSetProp(n, (const xmlChar *)loc->attr, (const xmlChar *)value);
        vdSyncTouchedAdd(touched, n);
    }
}


/* libvirt reads a device's first <address> and drops any other: a second one left in
 * place would name a slot the engine may give to another device. */
static void
vdDeviceDropExtraAddresses(xmlNodePtr node)
{
    xmlNodePtr first = vdXMLChild(node, "address");
    xmlNodePtr c;
    xmlNodePtr next;

    for (c = first ? vdXMLNextElement(first) : NULL; c; c = next) {
        next = vdXMLNextElement(c);
        if (vdXMLNameIs(c, "address") && !c->ns) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}


static void
vdDeviceSync(vdDevice *dev,
             xmlNodePtr devices)
{
    vdSyncTouched touched = { .n = 0 };
    size_t p;

    if (!dev->node && dev->copyOf && dev->copyOf->node)
        dev->node = vdDeviceNodeFromCopy(dev, devices->doc);
    if (!dev->node)
        dev->node = xmlNewDocNode(devices->doc, NULL,
                                  (const xmlChar *)vdDeviceKindTypeToString(dev->kind), NULL);

    for (p = 0; p < VD_PROP_LAST; p++) {
        const vdPropLocation *loc;

        if (!dev->propOrigin[p] || !(loc = vdPropFind(dev->kind, p)))
            continue;
        if (dev->props[p])
            vdDevicePropWrite(dev, loc, dev->props[p], &touched);
        else
            vdDevicePropRemove(dev, loc, &touched);
    }
    vdSyncTouchedSort(&touched);

    vdDeviceDropExtraAddresses(dev->node);

    /* libvirt writes every address it understands in full */
    if (dev->addrChanged || (dev->addr.type != VD_ADDRESS_NONE && !dev->addr.opaque)) {
        xmlNodePtr a = vdXMLChild(dev->node, "address");

        if (a) {
            xmlUnlinkNode(a);
            xmlFreeNode(a);
        }
        if (dev->addr.type != VD_ADDRESS_NONE) {
            a = vdDomainNewChild(dev->node, vdChildOrder(dev->kind), "address");
            vdAddressFormat(a, &dev->addr);
        }
    }
    vdDomainSortChildren(dev->node, vdChildOrder(dev->kind));
}


static void
vdDomainRelink(xmlNodePtr devices,
               xmlNodePtr node,
               GHashTable *comments)
{
    GPtrArray *before = g_hash_table_lookup(comments, node);
    guint i;

    for (i = 0; before && i < before->len; i++)
        xmlAddChild(devices, g_ptr_array_index(before, i));
    xmlAddChild(devices, node);
}


/* libvirt writes a redirfilter wildcard (-1) by leaving the attribute out. */
static void
vdDomainNormalizeRedirfilter(xmlNodePtr devices)
{
    static const char *const attrs[] = { "class", "vendor", "product", "version" };
    xmlNodePtr f;
    xmlNodePtr u;
    size_t i;

    for (f = vdXMLFirstElement(devices); f; f = vdXMLNextElement(f)) {
        if (!vdXMLNameIs(f, "redirfilter"))
            continue;
        for (u = vdXMLFirstElement(f); u; u = vdXMLNextElement(u)) {
            for (i = 0; i < G_N_ELEMENTS(attrs); i++) {
                if (vdXMLPropIs(u, attrs[i], "-1"))
                    xmlUnsetProp(u, (const xmlChar *)attrs[i]);
            }
        }
    }
}


static bool
vdDomainNsUsed(xmlNodePtr node,
               xmlNsPtr ns)
{
    xmlNodePtr c;
    xmlAttrPtr a;

    if (node->ns == ns)
        return true;
    for (a = node->properties; a; a = a->next) {
        if (a->ns == ns)
            return true;
    }
    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && vdDomainNsUsed(c, ns))
            return true;
    }
    return false;
}


/* libvirt only writes the namespaces it has content for (qemu:commandline and the
 * like); a declaration nothing uses is dropped. */
static void
vdDomainDropUnusedNs(xmlNodePtr root)
{
    xmlNsPtr *prev = &root->nsDef;
    xmlNsPtr ns;

    while ((ns = *prev)) {
        if (!vdDomainNsUsed(root, ns)) {
            *prev = ns->next;
            ns->next = NULL;
            xmlFreeNs(ns);
        } else {
            prev = &ns->next;
        }
    }
}


/* The new architecture and machine, if the engine changed them, on <os><type>. */
static void
vdDomainSyncOSType(vdDomainDef *def)
{
    xmlNodePtr type = vdXMLChild(vdXMLChild(def->root, "os"), "type");

    if (!type)
        return;
    if (def->newArch)
        xmlSetProp(type, (const xmlChar *)"arch", (const xmlChar *)def->newArch);
    if (def->newMachine)
        xmlSetProp(type, (const xmlChar *)"machine", (const xmlChar *)def->newMachine);
    vdXMLSortAttrs(type, (const char *const[]){ "arch", "machine", NULL });
}


/* Folds any further <devices> element into the first, as libvirt reads them all. */
static void
vdDomainFoldDevices(xmlNodePtr devices)
{
    xmlNodePtr extra;
    xmlNodePtr nextExtra;

    for (extra = vdXMLNextElement(devices); extra; extra = nextExtra) {
        nextExtra = vdXMLNextElement(extra);
        if (!vdXMLNameIs(extra, "devices"))
            continue;
        while (extra->children) {
            xmlNodePtr c = extra->children;

            xmlUnlinkNode(c);
            xmlAddChild(devices, c);
        }
        xmlUnlinkNode(extra);
        xmlFreeNode(extra);
    }
}


/* Detaches every child of @devices.  Comments travel with the element that follows
 * them (@comments: element -> its comments); elements the view does not model go to
 * @rest.  Returns the comments after the last element. */
static GPtrArray *
vdDomainDetachDevices(xmlNodePtr devices,
                      GPtrArray *rest,
                      GHashTable *comments)
{
    GPtrArray *pending = g_ptr_array_new();
    xmlNodePtr n;
    xmlNodePtr next;

    for (n = devices->children; n; n = next) {
        next = n->next;
        xmlUnlinkNode(n);
        if (n->type == XML_COMMENT_NODE) {
            g_ptr_array_add(pending, n);
        } else if (n->type == XML_ELEMENT_NODE) {
            if (pending->len > 0) {
                g_hash_table_insert(comments, n, pending);
                pending = g_ptr_array_new();
            }
            if (n->ns || vdDeviceKindTypeFromString((const char *)n->name) < 0)
                g_ptr_array_add(rest, n);
        } else {
            xmlFreeNode(n);
        }
    }
    return pending;
}


static bool
vdDomainDefHasDevices(const vdDomainDef *def)
{
    size_t k;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        if (def->devices[k]->len > 0)
            return true;
    }
    return false;
}


/* Write every change of the view back into the tree and put <devices> in libvirt's
 * order.  Children of <devices> the view does not know stay at the end. */
bool
vdDomainDefSync(vdDomainDef *def,
                GError **error)
{
    xmlNodePtr devices = vdXMLChild(def->root, "devices");
    g_autoptr(GPtrArray) rest = g_ptr_array_new();
    g_autoptr(GHashTable) comments = g_hash_table_new_full(NULL, NULL, NULL,
                                                           (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) pending = NULL;
    size_t k;
    guint i;

    vdDomainSyncOSType(def);
    if (devices)
        vdDomainFoldDevices(devices);
    if (!devices) {
        if (!vdDomainDefHasDevices(def))
            return true;
        devices = xmlNewChild(def->root, NULL, (const xmlChar *)"devices", NULL);
    }

    pending = vdDomainDetachDevices(devices, rest, comments);
    /* <emulator> stays first, as libvirt writes it */
    for (i = 0; i < rest->len; i++) {
        xmlNodePtr r = g_ptr_array_index(rest, i);

        if (vdXMLNameIs(r, "emulator")) {
            vdDomainRelink(devices, r, comments);
            g_ptr_array_remove_index(rest, i);
            break;
        }
    }
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[k], i);

            if (dev->removed) {
                g_hash_table_remove(comments, dev->node);
                xmlFreeNode(dev->node);
                dev->node = NULL;
                continue;
            }
            vdDeviceSync(dev, devices);
            vdDomainRelink(devices, dev->node, comments);
        }
    }
    for (i = 0; i < rest->len; i++)
        vdDomainRelink(devices, g_ptr_array_index(rest, i), comments);
    vdDomainNormalizeRedirfilter(devices);
    vdDomainDropUnusedNs(def->root);
    for (i = 0; i < pending->len; i++)
        xmlAddChild(devices, g_ptr_array_index(pending, i));
    return true;
}
