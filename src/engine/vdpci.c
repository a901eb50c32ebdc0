/*
 * vdpci.c: PCI and PCIe address assignment
 *
 * libvirt assigns PCI addresses in two passes over a set of buses: a dry run that
 * only counts which buses (root ports, bridges) the devices need and adds them as
 * controllers, then the real pass that gives every device its slot.  The outcome
 * depends on every detail of that procedure (device order, which bus accepts what,
 * how buses grow), so it is reproduced here step by step.  Which chipset slots are
 * fixed, and how many spare ports a new definition keeps, comes from the table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdenginepriv.h"
#include "util/vderror.h"

typedef enum {
    VD_PCI_HOTPLUGGABLE = 1 << 0,
    VD_PCI_AUTOASSIGN = 1 << 1,
    VD_PCI_INTEGRATED = 1 << 2,
    VD_PCI_AGGREGATE_SLOT = 1 << 3,
    VD_PCI_TYPE_PCI_DEVICE = 1 << 4,
    VD_PCI_TYPE_PCIE_DEVICE = 1 << 5,
    VD_PCI_TYPE_PCIE_ROOT_PORT = 1 << 6,
    VD_PCI_TYPE_PCIE_SWITCH_UPSTREAM_PORT = 1 << 7,
    VD_PCI_TYPE_PCIE_SWITCH_DOWNSTREAM_PORT = 1 << 8,
    VD_PCI_TYPE_DMI_TO_PCI_BRIDGE = 1 << 9,
    VD_PCI_TYPE_PCI_EXPANDER_BUS = 1 << 10,
    VD_PCI_TYPE_PCIE_EXPANDER_BUS = 1 << 11,
    VD_PCI_TYPE_PCI_BRIDGE = 1 << 12,
    VD_PCI_TYPE_PCIE_TO_PCI_BRIDGE = 1 << 13,
} vdPCIConnectFlags;

#define VD_PCI_TYPES_MASK (0x3ff << 4)
#define VD_PCI_TYPES_ENDPOINT (VD_PCI_TYPE_PCI_DEVICE | VD_PCI_TYPE_PCIE_DEVICE)
#define VD_PCI_SLOT_LAST 31

typedef struct {
    guint8 functions;
    bool aggregate;
} vdPCISlot;

typedef struct {
    const char *model;
    unsigned int flags;
    unsigned int minSlot;
    unsigned int maxSlot;
    vdPCISlot slot[VD_PCI_SLOT_LAST + 1];
} vdPCIBus;

typedef struct {
    GArray *buses;        /* vdPCIBus */
    bool dryRun;
    bool multipleRoots;
    bool pcieToPciBridge;
    /* Per search (connect flags and function): no bus below this one can take such a
     * device.  A slot, once taken, is never given back and a bus never changes what
     * it accepts, so a bus that could not take a device never can again: each search
     * resumes where the last one of its kind stopped instead of at bus 0. */
    GHashTable *firstBus;
} vdPCISet;


/* What a device that connects as @flags is called when it cannot be plugged in. */
static const char *
vdPCIConnectName(unsigned int flags)
{
    static const struct {
        unsigned int type;
        const char *name;
    } names[] = {
        { VD_PCI_TYPE_PCI_DEVICE, "standard PCI device" },
        { VD_PCI_TYPE_PCIE_DEVICE, "PCI Express device" },
        { VD_PCI_TYPE_PCIE_ROOT_PORT, "pcie-root-port" },
        { VD_PCI_TYPE_PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port" },
        { VD_PCI_TYPE_PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port" },
        { VD_PCI_TYPE_DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge" },
        { VD_PCI_TYPE_PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge" },
        { VD_PCI_TYPE_PCI_EXPANDER_BUS, "pci-expander-bus" },
        { VD_PCI_TYPE_PCIE_EXPANDER_BUS, "pcie-expander-bus" },
        { VD_PCI_TYPE_PCI_BRIDGE, "pci-bridge" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (flags & names[i].type)
            return names[i].name;
    }
    return "PCI device";
}


/* One row per PCI controller model: what it connects to upstream as, what its bus
 * takes downstream, the slots it has, and the QEMU device behind it. */
typedef struct {
    const char *model;
    unsigned int connectsAs;      /* VD_PCI_TYPE_* (and aggregation); 0 = a root bus */
    unsigned int accepts;         /* connect flags of the bus it provides */
    unsigned int minSlot;
    unsigned int maxSlot;
    const char *device;           /* NULL: pci-root's depends on the machine */
    const char *fallback;         /* the device where the emulator lacks @device */
} vdPCIModel;

#define VD_PCI_ACCEPTS_PCI (VD_PCI_AUTOASSIGN | VD_PCI_TYPE_PCI_DEVICE | \
                            VD_PCI_TYPE_PCI_BRIDGE | VD_PCI_HOTPLUGGABLE)
#define VD_PCI_ACCEPTS_PORT (VD_PCI_AUTOASSIGN | VD_PCI_TYPE_PCIE_DEVICE | \
                             VD_PCI_TYPE_PCIE_SWITCH_UPSTREAM_PORT | \
                             VD_PCI_TYPE_PCIE_TO_PCI_BRIDGE | VD_PCI_HOTPLUGGABLE)

static const vdPCIModel vdPCIModels[] = {
    { "pci-root", 0, VD_PCI_ACCEPTS_PCI | VD_PCI_TYPE_PCI_EXPANDER_BUS, 1, VD_PCI_SLOT_LAST, NULL },
    { "pcie-root", 0,
      VD_PCI_TYPE_PCIE_DEVICE | VD_PCI_TYPE_PCIE_ROOT_PORT | VD_PCI_TYPE_DMI_TO_PCI_BRIDGE |
      VD_PCI_TYPE_PCIE_EXPANDER_BUS, 1, VD_PCI_SLOT_LAST, NULL },
    { "pci-bridge", VD_PCI_TYPE_PCI_BRIDGE, VD_PCI_ACCEPTS_PCI, 1, VD_PCI_SLOT_LAST, "pci-bridge" },
    { "pcie-to-pci-bridge", VD_PCI_TYPE_PCIE_TO_PCI_BRIDGE, VD_PCI_ACCEPTS_PCI, 1, VD_PCI_SLOT_LAST,
      "pcie-pci-bridge" },
    { "pci-expander-bus", VD_PCI_TYPE_PCI_EXPANDER_BUS, VD_PCI_ACCEPTS_PCI, 0, VD_PCI_SLOT_LAST, "pxb" },
    { "dmi-to-pci-bridge", VD_PCI_TYPE_DMI_TO_PCI_BRIDGE,
      VD_PCI_TYPE_PCI_DEVICE | VD_PCI_TYPE_PCI_BRIDGE, 0, VD_PCI_SLOT_LAST, "i82801b11-bridge" },
    { "pcie-root-port", VD_PCI_TYPE_PCIE_ROOT_PORT | VD_PCI_AGGREGATE_SLOT, VD_PCI_ACCEPTS_PORT, 0, 0,
      "pcie-root-port", "ioh3420" },
    { "pcie-switch-downstream-port", VD_PCI_TYPE_PCIE_SWITCH_DOWNSTREAM_PORT, VD_PCI_ACCEPTS_PORT, 0, 0,
      "xio3130-downstream" },
    { "pcie-switch-upstream-port", VD_PCI_TYPE_PCIE_SWITCH_UPSTREAM_PORT,
      VD_PCI_TYPE_PCIE_SWITCH_DOWNSTREAM_PORT, 0, VD_PCI_SLOT_LAST, "x3130-upstream" },
    { "pcie-expander-bus", VD_PCI_TYPE_PCIE_EXPANDER_BUS,
      VD_PCI_TYPE_PCIE_ROOT_PORT | VD_PCI_TYPE_DMI_TO_PCI_BRIDGE, 0, VD_PCI_SLOT_LAST, "pxb-pcie" },
};


static const vdPCIModel *
vdPCIModelFind(const char *model)
{
    size_t i;

    for (i = 0; model && i < G_N_ELEMENTS(vdPCIModels); i++) {
        if (g_str_equal(vdPCIModels[i].model, model))
            return &vdPCIModels[i];
    }
    return NULL;
}


/* Make @bus the bus a controller of @model provides. */
static bool
vdPCIBusSetModel(vdPCIBus *bus,
                 const char *model,
                 GError **error)
{
    const vdPCIModel *m = vdPCIModelFind(model);

    if (!m) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("unknown PCI controller model '%1$s'"), model);
        return false;
    }
    memset(bus, 0, sizeof(*bus));
    bus->model = m->model;
    bus->flags = m->accepts;
    bus->minSlot = m->minSlot;
    bus->maxSlot = m->maxSlot;
    return true;
}


static unsigned int
vdPCIControllerConnectType(const char *model)
{
    const vdPCIModel *m = vdPCIModelFind(model);

    return m ? m->connectsAs : 0;
}


static vdPCIBus *
vdPCISetBus(vdPCISet *set,
            unsigned int i)
{
    return &g_array_index(set->buses, vdPCIBus, i);
}


typedef enum {
    VD_PCI_CLASS_NONE,
    VD_PCI_CLASS_PCI,        /* conventional PCI */
    VD_PCI_CLASS_PCIE,       /* PCI Express where the machine has it */
    VD_PCI_CLASS_VIRTIO,     /* virtio: PCIe where the machine and QEMU have it */
    VD_PCI_CLASS_PCI_INTEGRATED,
    VD_PCI_CLASS_VIRTIO_INTEGRATED,
} vdPCIClass;

/* Which devices sit on PCI, and as what.  A model of NULL matches any model. */
typedef struct {
    vdDeviceKind kind;
    int type;              /* vdControllerType of a controller, -1 = any */
    const char *model;
    vdPCIClass cls;
} vdPCIClassRow;

static const vdPCIClassRow vdPCIClasses[] = {
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_SATA, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_IDE, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, "nec-xhci", VD_PCI_CLASS_PCIE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, "qemu-xhci", VD_PCI_CLASS_PCIE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, "none", VD_PCI_CLASS_NONE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, "qusb1", VD_PCI_CLASS_NONE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, "qusb2", VD_PCI_CLASS_NONE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_USB, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_SCSI, "virtio-scsi", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_SCSI, "virtio-non-transitional", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_SCSI, "ncr53c90", VD_PCI_CLASS_NONE },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_SCSI, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_VIRTIO_SERIAL, "virtio-transitional", VD_PCI_CLASS_PCI },
    { VD_DEVICE_CONTROLLER, VD_CONTROLLER_VIRTIO_SERIAL, NULL, VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_FILESYSTEM, -1, "virtio-transitional", VD_PCI_CLASS_PCI },
    { VD_DEVICE_FILESYSTEM, -1, NULL, VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_INTERFACE, -1, "virtio", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_INTERFACE, -1, "virtio-non-transitional", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_INTERFACE, -1, "e1000e", VD_PCI_CLASS_PCIE },
    { VD_DEVICE_INTERFACE, -1, "igb", VD_PCI_CLASS_PCIE },
    { VD_DEVICE_INTERFACE, -1, "usb-net", VD_PCI_CLASS_NONE },
    { VD_DEVICE_INTERFACE, -1, "spapr-vlan", VD_PCI_CLASS_NONE },
    { VD_DEVICE_INTERFACE, -1, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_SOUND, -1, "es1370", VD_PCI_CLASS_PCI },
    { VD_DEVICE_SOUND, -1, "ac97", VD_PCI_CLASS_PCI },
    { VD_DEVICE_SOUND, -1, "ich6", VD_PCI_CLASS_PCI },
    { VD_DEVICE_SOUND, -1, "ich9", VD_PCI_CLASS_PCI },
    { VD_DEVICE_MEMBALLOON, -1, "virtio-transitional", VD_PCI_CLASS_PCI },
    { VD_DEVICE_MEMBALLOON, -1, "virtio", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_MEMBALLOON, -1, "virtio-non-transitional", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_RNG, -1, "virtio-transitional", VD_PCI_CLASS_PCI },
    { VD_DEVICE_RNG, -1, NULL, VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_WATCHDOG, -1, "i6300esb", VD_PCI_CLASS_PCI },
    { VD_DEVICE_VIDEO, -1, "virtio", VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_VIDEO, -1, "bochs", VD_PCI_CLASS_PCIE },
    { VD_DEVICE_VIDEO, -1, "vga", VD_PCI_CLASS_PCI },
    { VD_DEVICE_VIDEO, -1, "cirrus", VD_PCI_CLASS_PCI },
    { VD_DEVICE_VIDEO, -1, "vmvga", VD_PCI_CLASS_PCI },
    { VD_DEVICE_VIDEO, -1, "qxl", VD_PCI_CLASS_PCI },
    { VD_DEVICE_SHMEM, -1, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_VSOCK, -1, "virtio-transitional", VD_PCI_CLASS_PCI },
    { VD_DEVICE_VSOCK, -1, NULL, VD_PCI_CLASS_VIRTIO },
    { VD_DEVICE_CRYPTO, -1, NULL, VD_PCI_CLASS_PCI },
    { VD_DEVICE_PANIC, -1, "pvpanic", VD_PCI_CLASS_PCI_INTEGRATED },
    { VD_DEVICE_IOMMU, -1, "virtio", VD_PCI_CLASS_VIRTIO_INTEGRATED },
};


static vdPCIClass
vdPCIDeviceClass(const vdDevice *dev)
{
    const char *model = vdDeviceGet(dev, VD_PROP_MODEL);
    size_t i;

    switch (dev->kind) {
    case VD_DEVICE_DISK:
        if (!vdDiskBusIs(dev, VD_DISK_BUS_VIRTIO))
            return VD_PCI_CLASS_NONE;
        return g_strcmp0(model, "virtio-transitional") == 0 ? VD_PCI_CLASS_PCI : VD_PCI_CLASS_VIRTIO;
    case VD_DEVICE_INPUT:
        if (!vdDevicePropIs(dev, VD_PROP_BUS, "virtio"))
            return VD_PCI_CLASS_NONE;
        return g_strcmp0(model, "virtio-transitional") == 0 ? VD_PCI_CLASS_PCI : VD_PCI_CLASS_VIRTIO;
    case VD_DEVICE_HOSTDEV:
        if (!vdDevicePropIs(dev, VD_PROP_MODE, "subsystem"))
            return VD_PCI_CLASS_NONE;
        /* of the mediated devices only vfio-pci is a PCI device (vfio-ccw is a channel
         * device, vfio-ap has no address) */
        if (vdDevicePropIs(dev, VD_PROP_TYPE, "pci") ||
            (vdDevicePropIs(dev, VD_PROP_TYPE, "mdev") &&
             vdDevicePropIs(dev, VD_PROP_HOSTDEV_MODEL, "vfio-pci")))
            return VD_PCI_CLASS_PCIE;
        if (vdDevicePropIs(dev, VD_PROP_TYPE, "scsi_host"))
            return vdDevicePropIs(dev, VD_PROP_HOSTDEV_MODEL, "virtio-transitional") ?
                VD_PCI_CLASS_PCI : VD_PCI_CLASS_VIRTIO;
        return VD_PCI_CLASS_NONE;
    case VD_DEVICE_SERIAL:
        return vdDevicePropIs(dev, VD_PROP_TARGET_TYPE, "pci-serial") ?
            VD_PCI_CLASS_PCI : VD_PCI_CLASS_NONE;
    case VD_DEVICE_INTERFACE:
        /* an SR-IOV function handed to the guest, placed with the hostdevs */
        if (vdDevicePropIs(dev, VD_PROP_TYPE, "hostdev") || !model)
            return VD_PCI_CLASS_PCIE;
        break;
    case VD_DEVICE_MEMORY:
        return (g_strcmp0(model, "virtio-pmem") == 0 || g_strcmp0(model, "virtio-mem") == 0) ?
            VD_PCI_CLASS_VIRTIO : VD_PCI_CLASS_NONE;
    case VD_DEVICE_CONTROLLER:
    case VD_DEVICE_LEASE:
    case VD_DEVICE_FILESYSTEM:
    case VD_DEVICE_SMARTCARD:
    case VD_DEVICE_PARALLEL:
    case VD_DEVICE_CONSOLE:
    case VD_DEVICE_CHANNEL:
    case VD_DEVICE_TPM:
    case VD_DEVICE_GRAPHICS:
    case VD_DEVICE_SOUND:
    case VD_DEVICE_AUDIO:
    case VD_DEVICE_VIDEO:
    case VD_DEVICE_REDIRDEV:
    case VD_DEVICE_REDIRFILTER:
    case VD_DEVICE_HUB:
    case VD_DEVICE_WATCHDOG:
    case VD_DEVICE_MEMBALLOON:
    case VD_DEVICE_RNG:
    case VD_DEVICE_NVRAM:
    case VD_DEVICE_PANIC:
    case VD_DEVICE_SHMEM:
    case VD_DEVICE_IOMMU:
    case VD_DEVICE_VSOCK:
    case VD_DEVICE_CRYPTO:
    case VD_DEVICE_LAST:
        break;
    }
    for (i = 0; i < G_N_ELEMENTS(vdPCIClasses); i++) {
        const vdPCIClassRow *row = &vdPCIClasses[i];

        if (row->kind != dev->kind)
            continue;
        if (row->type >= 0 && !vdControllerIs(dev, row->type))
            continue;
        if (row->model && g_strcmp0(row->model, model) != 0)
            continue;
        return row->cls;
    }
    return VD_PCI_CLASS_NONE;
}


/* @virtioPCIe: QEMU's virtio devices can be PCI Express ones (it has the
 * non-transitional models); before that they were conventional PCI everywhere. */
static unsigned int
vdPCIDeviceConnectFlags(const vdDevice *dev,
                        bool pcieRoot,
                        bool virtioPCIe)
{
    unsigned int pci = VD_PCI_TYPE_PCI_DEVICE | VD_PCI_AUTOASSIGN;
    unsigned int pcie = (pcieRoot ? VD_PCI_TYPE_PCIE_DEVICE : VD_PCI_TYPE_PCI_DEVICE) |
        VD_PCI_AUTOASSIGN;
    unsigned int virtio = virtioPCIe ? pcie : pci;

    if (vdControllerIs(dev, VD_CONTROLLER_PCI))
        return vdPCIControllerConnectType(vdDeviceGet(dev, VD_PROP_MODEL));

    switch (vdPCIDeviceClass(dev)) {
    case VD_PCI_CLASS_PCI:
        return pci;
    case VD_PCI_CLASS_PCIE:
        return pcie;
    case VD_PCI_CLASS_VIRTIO:
        return virtio;
    case VD_PCI_CLASS_PCI_INTEGRATED:
        return pci | VD_PCI_INTEGRATED;
    case VD_PCI_CLASS_VIRTIO_INTEGRATED:
        return virtio | VD_PCI_INTEGRATED;
    case VD_PCI_CLASS_NONE:
        break;
    }
    return 0;
}


static bool
vdPCIAddressIsPresent(const vdAddress *a)
{
    return a->type == VD_ADDRESS_PCI &&
        (a->domain || a->bus || a->slot || a->function);
}


static bool
vdPCIAddressIsWanted(const vdAddress *a)
{
    return a->type == VD_ADDRESS_NONE || (a->type == VD_ADDRESS_PCI && !vdPCIAddressIsPresent(a));
}


static char *
vdPCIAddressString(const vdAddress *a)
{
    return g_strdup_printf("%04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
}


/* Add the buses a device at @addr needs (dry run only); returns buses added, -1 on error. */
static int
vdPCISetGrow(vdPCISet *set,
             vdAddress *addr,
             unsigned int flags,
             GError **error)
{
    int add = (int)addr->bus - (int)set->buses->len + 1;
    const char *model;
    bool needDMI = false;
    bool needPCIe = false;
    unsigned int i;

    if (add <= 0)
        return 0;

    if (flags & VD_PCI_TYPE_PCI_DEVICE) {
        if (set->multipleRoots) {
            model = "pci-root";
        } else {
            model = "pci-bridge";
            needDMI = needPCIe = true;
            for (i = 0; i < set->buses->len; i++) {
                if (vdPCISetBus(set, i)->flags & VD_PCI_TYPE_PCI_BRIDGE) {
                    needDMI = needPCIe = false;
                    break;
                }
            }
            if (set->pcieToPciBridge)
                needDMI = false;
            else
                needPCIe = false;
            /* a pure PCIe topology needs one more bus to plug the bridge into */
            if ((needDMI || needPCIe) && add == 1) {
                add++;
                addr->bus++;
            }
        }
    } else if (flags & (VD_PCI_TYPE_PCIE_DEVICE | VD_PCI_TYPE_PCIE_SWITCH_UPSTREAM_PORT)) {
        model = "pcie-root-port";
    } else {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("No PCI slot is left for a device that needs one, and no PCI controller can be added for it"));
        return -1;
    }

    i = set->buses->len;
    g_array_set_size(set->buses, set->buses->len + add);
    if (needDMI) {
        if (!vdPCIBusSetModel(vdPCISetBus(set, i++), "dmi-to-pci-bridge", error))
            return -1;
        vdPCISetBus(set, i - 1)->flags &= ~VD_PCI_HOTPLUGGABLE;
    }
    if (needPCIe) {
        /* this root port takes only the bridge, so that the spare port stays empty */
        if (!vdPCIBusSetModel(vdPCISetBus(set, i), "pcie-root-port", error))
            return -1;
        vdPCISetBus(set, i)->flags = VD_PCI_TYPE_PCIE_TO_PCI_BRIDGE;
        i++;
        if (!vdPCIBusSetModel(vdPCISetBus(set, i++), "pcie-to-pci-bridge", error))
            return -1;
    }
    for (; i < set->buses->len; i++) {
        if (!vdPCIBusSetModel(vdPCISetBus(set, i), model, error))
            return -1;
    }
    return add;
}


static bool
vdPCIFlagsCompatible(const vdAddress *addr,
                     unsigned int busFlags,
                     unsigned int devFlags,
                     bool fromConfig,
                     GError **error)
{
    g_autofree char *str = NULL;

    if (devFlags & VD_PCI_INTEGRATED) {
        if (addr->bus != 0) {
            if (error) {
                str = vdPCIAddressString(addr);
                g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                            _("The device at PCI address %1$s needs to be an integrated device (bus=0)"), str);
            }
            return false;
        }
        busFlags |= VD_PCI_AUTOASSIGN;
    }
    if (fromConfig) {
        if (busFlags & VD_PCI_TYPES_ENDPOINT)
            busFlags |= VD_PCI_TYPES_ENDPOINT;
        if (devFlags & VD_PCI_TYPE_PCI_BRIDGE)
            devFlags |= VD_PCI_TYPE_PCI_DEVICE;
    } else if ((devFlags & VD_PCI_AUTOASSIGN) && !(busFlags & VD_PCI_AUTOASSIGN)) {
        if (error) {
            str = vdPCIAddressString(addr);
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("The device at PCI address %1$s was auto-assigned this address, but the PCI controller with index='%2$u' doesn't allow auto-assignment"),
                        str, addr->bus);
        }
        return false;
    }
    if ((devFlags & VD_PCI_HOTPLUGGABLE) && !(busFlags & VD_PCI_HOTPLUGGABLE))
        return false;
    if (!(devFlags & busFlags & VD_PCI_TYPES_MASK)) {
        if (error) {
            str = vdPCIAddressString(addr);
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("The device at PCI address %1$s cannot be plugged into the PCI controller with index='%2$u'. It requires a controller that accepts a %3$s."),
                        str, addr->bus, vdPCIConnectName(devFlags));
        }
        return false;
    }
    return true;
}


static bool
vdPCIAddressValidate(vdPCISet *set,
                     const vdAddress *addr,
                     unsigned int flags,
                     bool fromConfig,
                     GError **error)
{
    g_autofree char *str = NULL;
    vdPCIBus *bus;

    if (set->buses->len == 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, _("No PCI buses available"));
        return false;
    }
    if (addr->domain != 0) {
        str = vdPCIAddressString(addr);
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Invalid PCI address %1$s. Only PCI domain 0 is available"), str);
        return false;
    }
    if (addr->bus >= set->buses->len) {
        str = vdPCIAddressString(addr);
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Invalid PCI address %1$s. Only PCI buses up to %2$u are available"),
                    str, set->buses->len - 1);
        return false;
    }
    bus = vdPCISetBus(set, addr->bus);
    if (!vdPCIFlagsCompatible(addr, bus->flags, flags, fromConfig, error))
        return false;
    if (addr->slot < bus->minSlot) {
        str = vdPCIAddressString(addr);
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Invalid PCI address %1$s. slot must be >= %2$u"), str, bus->minSlot);
        return false;
    }
    if (addr->slot > bus->maxSlot) {
        str = vdPCIAddressString(addr);
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Invalid PCI address %1$s. slot must be <= %2$u"), str, bus->maxSlot);
        return false;
    }
    return true;
}


static bool
vdPCIReserveAddr(vdPCISet *set,
                 vdAddress *addr,
                 unsigned int flags,
                 bool fromConfig,
                 GError **error)
{
    vdPCIBus *bus;
    vdPCISlot *slot;

    if (set->dryRun && vdPCISetGrow(set, addr, flags, error) < 0)
        return false;
    if (!vdPCIAddressValidate(set, addr, flags, fromConfig, error))
        return false;
    bus = vdPCISetBus(set, addr->bus);
    slot = &bus->slot[addr->slot];
    if (slot->functions & (1 << addr->function)) {
        g_autofree char *str = vdPCIAddressString(addr);

        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("Attempted double use of PCI Address %1$s"), str);
        return false;
    }
    if (!slot->functions && (flags & VD_PCI_AGGREGATE_SLOT))
        slot->aggregate = true;
    slot->functions |= 1 << addr->function;
    return true;
}


static bool
vdPCISlotInUse(vdPCISet *set,
               unsigned int busIdx,
               unsigned int slot)
{
    return vdPCISetBus(set, busIdx)->slot[slot].functions != 0;
}


static bool
vdPCIFindOnBus(vdPCIBus *bus,
               vdAddress *a,
               int function,
               unsigned int flags)
{
    if (!vdPCIFlagsCompatible(a, bus->flags, flags, false, NULL))
        return false;
    for (; a->slot <= bus->maxSlot; a->slot++) {
        vdPCISlot *s = &bus->slot[a->slot];

        if (s->functions == 0)
            return true;
        if ((flags & VD_PCI_AGGREGATE_SLOT) && s->aggregate) {
            if (!(s->functions & (1 << a->function)))
                return true;
            if (function == -1) {
                for (; a->function < 8; a->function++) {
                    if (!(s->functions & (1 << a->function)))
                        return true;
                }
                a->function = 0;
            }
        }
    }
    return false;
}


static bool
vdPCIGetNextAddr(vdPCISet *set,
                 vdAddress *out,
                 unsigned int flags,
                 int function,
                 GError **error)
{
    vdAddress a = { .type = VD_ADDRESS_PCI };
    gpointer key = GUINT_TO_POINTER((flags << 4) | (unsigned int)(function + 1));

    if (set->buses->len == 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, _("No PCI buses available"));
        return false;
    }
    a.function = function == -1 ? 0 : (unsigned int)function;
    for (a.bus = GPOINTER_TO_UINT(g_hash_table_lookup(set->firstBus, key));
         a.bus < set->buses->len; a.bus++) {
        vdPCIBus *bus = vdPCISetBus(set, a.bus);

        a.slot = bus->minSlot;
        if (vdPCIFindOnBus(bus, &a, function, flags)) {
            g_hash_table_insert(set->firstBus, key, GUINT_TO_POINTER(a.bus));
            *out = a;
            return true;
        }
    }
    g_hash_table_insert(set->firstBus, key, GUINT_TO_POINTER(set->buses->len));
    if (set->dryRun) {
        if (vdPCISetGrow(set, &a, flags, error) < 0)
            return false;
        a.slot = vdPCISetBus(set, a.bus)->minSlot;
        *out = a;
        return true;
    }
    g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED, _("No more available PCI slots"));
    return false;
}


static bool
vdPCIReserveNextAddr(vdPCISet *set,
                     vdDevice *dev,
                     unsigned int flags,
                     int function,
                     GError **error)
{
    vdAddress a = { 0 };

    if (!vdPCIGetNextAddr(set, &a, flags, function, error) ||
        !vdPCIReserveAddr(set, &a, flags, false, error))
        return false;
    if (!set->dryRun && dev) {
        a.multi = VD_TRISTATE_ABSENT;
        /* zPCI ids written without a slot stay the device's */
        if (dev->addr.type == VD_ADDRESS_PCI && dev->addr.hasZpci) {
            a.hasZpci = true;
            a.zpciUidSet = dev->addr.zpciUidSet;
            a.zpciFidSet = dev->addr.zpciFidSet;
            a.zpciUid = dev->addr.zpciUid;
            a.zpciFid = dev->addr.zpciFid;
        }
        vdDeviceSetAddress(dev, &a, VD_ORIGIN_ADDRESS);
    }
    return true;
}


static bool
vdPCIReserveNext(vdPCISet *set,
                 vdDevice *dev,
                 GError **error)
{
    return vdPCIReserveNextAddr(set, dev, dev->pciFlags, -1, error);
}


static bool
vdPCIHasRoot(const vdDomainDef *def,
             const char *model)
{
    vdDevice *root = vdDomainDefFindController(def, VD_CONTROLLER_PCI, 0);

    return root && vdDevicePropIs(root, VD_PROP_MODEL, model);
}


static void
vdPCIFillFlags(vdEngineCtx *ctx)
{
    bool pcieRoot = vdPCIHasRoot(ctx->def, "pcie-root");
    bool virtioPCIe = vdCapsArchHas(ctx->profile->caps, "virtio-pci-non-transitional");
    size_t k;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(ctx->def->devices[k], i);

            dev->pciFlags = vdPCIDeviceConnectFlags(dev, pcieRoot, virtioPCIe);
        }
    }
}


static bool
vdPCIIsPIIX3Integrated(const vdDevice *dev)
{
    const vdAddress *a = &dev->addr;

    if (dev->kind != VD_DEVICE_CONTROLLER || a->domain != 0 || a->bus != 0 || a->slot != 1)
        return false;
    if (vdControllerIs(dev, VD_CONTROLLER_IDE) && vdDeviceIndex(dev) == 0 && a->function == 1)
        return true;
    return vdControllerIs(dev, VD_CONTROLLER_USB) && vdDeviceIndex(dev) == 0 &&
        (!vdDeviceGet(dev, VD_PROP_MODEL) || vdUSBModelIs(dev, VD_USB_MODEL_PIIX3_UHCI)) &&
        a->function == 2;
}


static vdPCISet *
vdPCISetCreate(vdEngineCtx *ctx,
               unsigned int nbuses,
               bool dryRun,
               GError **error)
{
    g_autofree vdPCISet *set = g_new0(vdPCISet, 1);
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    bool pcieRoot = false;
    const char *dflt;
    size_t k;
    guint i;

    set->buses = g_array_new(FALSE, TRUE, sizeof(vdPCIBus));
    g_array_set_size(set->buses, nbuses);
    set->firstBus = g_hash_table_new(NULL, NULL);
    set->dryRun = dryRun;
    set->multipleRoots = vdEngineSettingIs(ctx, VD_SETTING_PCI_MULTIPLE_ROOTS, "yes");
    /* without QEMU's pcie-pci-bridge, legacy PCI devices on a PCIe machine go behind a
     * dmi-to-pci-bridge and a pci-bridge */
    set->pcieToPciBridge = vdCapsArchHas(ctx->profile->caps, "pcie-pci-bridge");

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);
        int idx = vdDeviceIndex(c);
        const char *model = vdDeviceGet(c, VD_PROP_MODEL);

        if (!vdControllerIs(c, VD_CONTROLLER_PCI) || idx < 0)
            continue;
        if (!model) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("the PCI controller with index='%1$d' has no model"), idx);
            goto error;
        }
        if (!vdPCIBusSetModel(vdPCISetBus(set, idx), model, error))
            goto error;
        pcieRoot |= g_str_equal(model, "pcie-root");
    }
    if (nbuses > 0 && !vdPCISetBus(set, 0)->model &&
        !vdPCIBusSetModel(vdPCISetBus(set, 0), "pci-root", error))
        goto error;

    dflt = set->multipleRoots ? "pci-root" : pcieRoot ? "pcie-root-port" : "pci-bridge";
    for (i = 1; i < set->buses->len; i++) {
        if (!vdPCISetBus(set, i)->model && !vdPCIBusSetModel(vdPCISetBus(set, i), dflt, error))
            goto error;
    }

    /* every address already in the definition is taken */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(ctx->def->devices[k], i);
            unsigned int flags = dev->pciFlags;

            /* console[0] shows serial[0]'s address: one device, one reservation */
            if (!vdPCIAddressIsPresent(&dev->addr) || vdPCIIsPIIX3Integrated(dev) ||
                dev->kind == VD_DEVICE_CONSOLE)
                continue;
            if (!flags)
                flags = VD_PCI_TYPE_PCI_DEVICE;
            if (!vdPCIReserveAddr(set, &dev->addr, flags, true, error))
                goto error;
        }
    }
    return g_steal_pointer(&set);

 error:
    g_array_unref(set->buses);
    g_hash_table_unref(set->firstBus);
    return NULL;
}


static void
vdPCISetFree(vdPCISet *set)
{
    if (!set)
        return;
    g_array_unref(set->buses);
    g_hash_table_unref(set->firstBus);
    g_free(set);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdPCISet, vdPCISetFree);


static bool
vdPCIPlaceFixed(vdPCISet *set,
                vdDevice *dev,
                unsigned int slot,
                unsigned int function,
                unsigned int flags,
                const char *origin,
                GError **error)
{
    vdAddress a = { .type = VD_ADDRESS_PCI, .slot = slot, .function = function };

    if (set->buses->len && !vdPCIReserveAddr(set, &a, flags, true, error))
        return false;
    vdDeviceSetAddress(dev, &a, origin);
    return true;
}


/* The primary video goes where QEMU would put the first VGA card. */
static bool
vdPCIPlacePrimaryVideo(vdEngineCtx *ctx,
                       vdPCISet *set,
                       unsigned int slot,
                       unsigned int flags,
                       const char *origin,
                       GError **error)
{
    vdDevice *video;
    vdAddress a = { .type = VD_ADDRESS_PCI, .slot = slot };

    if (vdDomainDefCount(ctx->def, VD_DEVICE_VIDEO) == 0)
        return true;
    video = vdDomainDefGet(ctx->def, VD_DEVICE_VIDEO, 0);
    if (!video->pciFlags || !vdPCIAddressIsWanted(&video->addr))
        return true;
    if (!vdPCIAddressValidate(set, &a, flags, true, error))
        return false;
    if (vdPCISlotInUse(set, 0, slot))
        return vdPCIReserveNext(set, video, error);
    if (!vdPCIReserveAddr(set, &a, flags, true, error))
        return false;
    vdDeviceSetAddress(video, &a, origin);
    return true;
}


/* A fixed function of the integrated chipset: where pci.chipset-slots puts @name
 * ("ide=1.1 usb=1.2 ..."; slots in hex), the @nth time it names it. */
static bool
vdPCIChipsetSlot(const vdEngineCtx *ctx,
                 const char *name,
                 guint nth,
                 vdAddress *addr)
{
    size_t len;
    const char *v = vdProfileItem(vdEngineSetting(ctx, VD_SETTING_PCI_CHIPSET_SLOTS, NULL),
                                  name, nth, &len);
    char *end = NULL;

    if (!v)
        return false;
    memset(addr, 0, sizeof(*addr));
    addr->type = VD_ADDRESS_PCI;
    addr->slot = g_ascii_strtoull(v, &end, 16);
    if (end >= v + len || *end != '.')
        return false;
    addr->function = g_ascii_strtoull(end + 1, NULL, 16);
    return addr->slot <= VD_PCI_SLOT_LAST && addr->function < 8;
}


/* A chipset function libvirt puts in place, or refuses anywhere else. */
static bool
vdPCIChipsetFunction(vdPCISet *set,
                     vdDevice *c,
                     const vdAddress *fixed,
                     unsigned int flags,
                     const char *what,
                     const char *origin,
                     GError **error)
{
    if (!vdPCIAddressIsPresent(&c->addr))
        return vdPCIPlaceFixed(set, c, fixed->slot, fixed->function, flags, origin, error);
    if (c->addr.bus != 0 || c->addr.slot != fixed->slot || c->addr.function != fixed->function ||
        c->addr.domain) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("%1$s must have PCI address 0:0:%2$x.%3$x"), what, fixed->slot, fixed->function);
        return false;
    }
    if (set->buses->len) {
        vdAddress a = c->addr;

        return vdPCIReserveAddr(set, &a, flags, true, error);
    }
    return true;
}


/* Functions of the chipset nothing is defined for (ISA bridge, power management,
 * SMBus) are taken all the same. */
static bool
vdPCIChipsetReserve(const vdEngineCtx *ctx,
                    vdPCISet *set,
                    const char *const *names,
                    unsigned int flags,
                    GError **error)
{
    size_t i;

    for (i = 0; set->buses->len && names[i]; i++) {
        vdAddress a;

        if (vdPCIChipsetSlot(ctx, names[i], 0, &a) &&
            !vdPCIReserveAddr(set, &a, flags, true, error))
            return false;
    }
    return true;
}


static bool
vdPCIChipsetPIIX3(vdEngineCtx *ctx,
                  vdPCISet *set,
                  const char *origin,
                  GError **error)
{
    static const char *const reserved[] = { "isa", "pm", NULL };
    unsigned int flags = VD_PCI_AUTOASSIGN | VD_PCI_TYPE_PCI_DEVICE;
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    vdAddress ide;
    vdAddress usb;
    vdAddress video;
    bool haveIDE = vdPCIChipsetSlot(ctx, "ide", 0, &ide);
    bool haveUSB = vdPCIChipsetSlot(ctx, "usb", 0, &usb);
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (haveIDE && vdControllerIs(c, VD_CONTROLLER_IDE) && vdDeviceIndex(c) == 0) {
            if (!vdPCIChipsetFunction(set, c, &ide, flags, _("Primary IDE controller"), origin, error))
                return false;
        } else if (haveUSB && vdControllerIs(c, VD_CONTROLLER_USB) && vdDeviceIndex(c) == 0 &&
                   (!vdDeviceGet(c, VD_PROP_MODEL) || vdUSBModelIs(c, VD_USB_MODEL_PIIX3_UHCI))) {
            if (!vdPCIChipsetFunction(set, c, &usb, flags, _("PIIX3 USB controller at index 0"),
                                      origin, error))
                return false;
        }
    }
    if (!vdPCIChipsetReserve(ctx, set, reserved, flags, error))
        return false;
    if (!vdPCIChipsetSlot(ctx, "video", 0, &video))
        return true;
    return vdPCIPlacePrimaryVideo(ctx, set, video.slot, flags, origin, error);
}


/* USB2 sets take the first free of their slots, like on a real ICH9. */
static bool
vdPCIChipsetUSB2(const vdEngineCtx *ctx,
                 vdPCISet *set,
                 vdDevice *c,
                 unsigned int flags,
                 const char *origin,
                 GError **error)
{
    vdAddress u;
    guint nth;

    for (nth = 0; vdPCIChipsetSlot(ctx, "usb2", nth, &u); nth++) {
        if (vdPCISlotInUse(set, 0, u.slot))
            continue;
        u.multi = VD_TRISTATE_YES;
        if (!vdPCIReserveAddr(set, &u, flags, true, error))
            return false;
        vdDeviceSetAddress(c, &u, origin);
        return true;
    }
    return true;
}


static bool
vdPCIChipsetICH9Controllers(vdEngineCtx *ctx,
                            vdPCISet *set,
                            unsigned int flags,
                            const char *origin,
                            GError **error)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    vdAddress sata;
    vdAddress dmi;
    bool haveSATA = vdPCIChipsetSlot(ctx, "sata", 0, &sata);
    bool haveDMI = vdPCIChipsetSlot(ctx, "dmi-bridge", 0, &dmi);
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (haveSATA && vdControllerIs(c, VD_CONTROLLER_SATA) && vdDeviceIndex(c) == 0) {
            if (!vdPCIAddressIsPresent(&c->addr)) {
                vdDeviceSetAddress(c, &sata, origin);
            } else if (c->addr.bus != 0 || c->addr.slot != sata.slot || c->addr.function != sata.function) {
                g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                            _("%1$s must have PCI address 0:0:%2$x.%3$x"),
                            _("Primary SATA controller"), sata.slot, sata.function);
                return false;
            }
        } else if (vdUSBModelIs(c, VD_USB_MODEL_ICH9_UHCI1) && c->addr.type == VD_ADDRESS_NONE) {
            if (!vdPCIChipsetUSB2(ctx, set, c, flags, origin, error))
                return false;
        } else if (haveDMI && vdControllerIs(c, VD_CONTROLLER_PCI) &&
                   vdDevicePropIs(c, VD_PROP_MODEL, "dmi-to-pci-bridge") &&
                   c->addr.type == VD_ADDRESS_NONE && !vdPCISlotInUse(set, 0, dmi.slot)) {
            if (!vdPCIPlaceFixed(set, c, dmi.slot, dmi.function, flags, origin, error))
                return false;
        }
    }
    return true;
}


static bool
vdPCIChipsetICH9(vdEngineCtx *ctx,
                 vdPCISet *set,
                 const char *origin,
                 GError **error)
{
    static const char *const reserved[] = { "lpc", "smbus", NULL };
    unsigned int flags = VD_PCI_TYPE_PCIE_DEVICE;
    vdAddress video;
    vdAddress sound;
    guint i;

    if (!vdPCIChipsetICH9Controllers(ctx, set, flags, origin, error) ||
        !vdPCIChipsetReserve(ctx, set, reserved, flags, error))
        return false;
    if (vdPCIChipsetSlot(ctx, "video", 0, &video) &&
        !vdPCIPlacePrimaryVideo(ctx, set, video.slot, flags, origin, error))
        return false;

    /* the first ICH9 sound card is the chipset's own HD audio */
    if (!vdPCIChipsetSlot(ctx, "sound", 0, &sound) || vdPCISlotInUse(set, 0, sound.slot))
        return true;
    for (i = 0; i < vdDomainDefCount(ctx->def, VD_DEVICE_SOUND); i++) {
        vdDevice *s = vdDomainDefGet(ctx->def, VD_DEVICE_SOUND, i);

        if (vdDevicePropIs(s, VD_PROP_MODEL, "ich9") && vdPCIAddressIsWanted(&s->addr))
            return vdPCIPlaceFixed(set, s, sound.slot, sound.function, flags, origin, error);
    }
    return true;
}


static bool
vdPCIChipset(vdEngineCtx *ctx,
             vdPCISet *set,
             GError **error)
{
    const char *origin;
    const char *chipset = vdEngineSetting(ctx, VD_SETTING_PCI_CHIPSET, &origin);

    if (g_strcmp0(chipset, "piix3") == 0)
        return vdPCIChipsetPIIX3(ctx, set, origin, error);
    if (g_strcmp0(chipset, "ich9") == 0)
        return vdPCIChipsetICH9(ctx, set, origin, error);
    return true;
}


static bool
vdPCIWants(const vdDevice *dev)
{
    return dev->pciFlags && vdPCIAddressIsWanted(&dev->addr);
}


static bool
vdPCIIsUSB2(const vdDevice *c)
{
    return vdDeviceUSBModel(c)->ich9;
}


static bool
vdPCIAssignUSB2(vdEngineCtx *ctx,
                vdPCISet *set,
                vdDevice *cont,
                GError **error)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    unsigned int function = vdDeviceUSBModel(cont)->pciFunction;
    vdAddress addr = { .type = VD_ADDRESS_PCI };
    bool found = false;
    guint j;

    for (j = 0; j < conts->len; j++) {
        vdDevice *o = g_ptr_array_index(conts, j);

        if (vdPCIIsUSB2(o) && vdDeviceIndex(o) == vdDeviceIndex(cont) &&
            vdPCIAddressIsPresent(&o->addr)) {
            addr = o->addr;
            addr.usbPort = NULL;
            found = true;
            break;
        }
    }
    addr.function = function;
    addr.multi = function == 0 ? VD_TRISTATE_YES : VD_TRISTATE_ABSENT;

    if (found) {
        if (!vdPCIReserveAddr(set, &addr, cont->pciFlags, true, error))
            return false;
        vdDeviceSetAddress(cont, &addr, VD_ORIGIN_ADDRESS);
        return true;
    }
    if (!vdPCIReserveNextAddr(set, cont, cont->pciFlags, (int)addr.function, error))
        return false;
    if (!set->dryRun)
        cont->addr.multi = addr.multi;
    return true;
}


/* Devices of @kinds that want a PCI address, in order; a hostdev interface waits for
 * the hostdevs and a balloon of model 'none' is no device. */
static bool
vdPCIReserveKinds(vdDomainDef *def,
                  vdPCISet *set,
                  const vdDeviceKind *kinds,
                  size_t nkinds,
                  GError **error)
{
    size_t k;
    guint i;

    for (k = 0; k < nkinds; k++) {
        for (i = 0; i < def->devices[kinds[k]]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[kinds[k]], i);

            if (dev->kind == VD_DEVICE_INTERFACE && vdDevicePropIs(dev, VD_PROP_TYPE, "hostdev"))
                continue;
            if (dev->kind == VD_DEVICE_MEMBALLOON && vdDevicePropIs(dev, VD_PROP_MODEL, "none"))
                continue;
            if (vdPCIWants(dev) && !vdPCIReserveNext(set, dev, error))
                return false;
        }
    }
    return true;
}


/* libvirt hands out slots to the PCI controllers, other than the roots, first. */
static bool
vdPCIReserveBridges(vdDomainDef *def,
                    vdPCISet *set,
                    GError **error)
{
    GPtrArray *conts = def->devices[VD_DEVICE_CONTROLLER];
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (!vdControllerIs(c, VD_CONTROLLER_PCI) || vdDevicePropIs(c, VD_PROP_MODEL, "pci-root") ||
            vdDevicePropIs(c, VD_PROP_MODEL, "pcie-root") || !vdPCIAddressIsWanted(&c->addr))
            continue;
        if (!vdPCIReserveNext(set, c, error))
            return false;
    }
    return true;
}


/* The other controllers; IDE controller 0 is built into the chipset and USB2
 * companions share a slot. */
static bool
vdPCIReserveControllers(vdEngineCtx *ctx,
                        vdPCISet *set,
                        GError **error)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (vdControllerIs(c, VD_CONTROLLER_PCI) || !vdPCIWants(c))
            continue;
        if (vdControllerIs(c, VD_CONTROLLER_IDE) && vdDeviceIndex(c) == 0)
            continue;
        if (vdPCIIsUSB2(c)) {
            if (!vdPCIAssignUSB2(ctx, set, c, error))
                return false;
        } else if (!vdPCIReserveNext(set, c, error)) {
            return false;
        }
    }
    return true;
}


/* Disks on PCI (virtio) that have no address on another bus; one with an address of
 * a bus that is not PCI is refused. */
static bool
vdPCIReserveDisks(vdDomainDef *def,
                  vdPCISet *set,
                  GError **error)
{
    guint i;

    for (i = 0; i < def->devices[VD_DEVICE_DISK]->len; i++) {
        vdDevice *dev = g_ptr_array_index(def->devices[VD_DEVICE_DISK], i);

        if (!dev->pciFlags || vdPCIAddressIsPresent(&dev->addr) ||
            dev->addr.type == VD_ADDRESS_CCW || dev->addr.type == VD_ADDRESS_VIRTIO_MMIO)
            continue;
        if (!vdPCIAddressIsWanted(&dev->addr)) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("virtio disk cannot have an address of type '%1$s'"),
                        vdAddressTypeTypeToString(dev->addr.type));
            return false;
        }
        if (!vdPCIReserveNext(set, dev, error))
            return false;
    }
    return true;
}


/* Every device in the order libvirt hands out slots. */
static bool
vdPCIAssignSlots(vdEngineCtx *ctx,
                 vdPCISet *set,
                 GError **error)
{
    static const vdDeviceKind order[] = {
        VD_DEVICE_FILESYSTEM, VD_DEVICE_INTERFACE, VD_DEVICE_SOUND,
    };
    static const vdDeviceKind order2[] = {
        VD_DEVICE_HOSTDEV, VD_DEVICE_MEMBALLOON, VD_DEVICE_RNG, VD_DEVICE_WATCHDOG,
        VD_DEVICE_VIDEO, VD_DEVICE_SHMEM, VD_DEVICE_INPUT, VD_DEVICE_SERIAL, VD_DEVICE_IOMMU,
        VD_DEVICE_VSOCK, VD_DEVICE_MEMORY, VD_DEVICE_CRYPTO, VD_DEVICE_PANIC,
    };
    vdDomainDef *def = ctx->def;
    guint i;

    if (!vdPCIReserveBridges(def, set, error) ||
        !vdPCIReserveKinds(def, set, order, G_N_ELEMENTS(order), error) ||
        !vdPCIReserveControllers(ctx, set, error) ||
        !vdPCIReserveDisks(def, set, error))
        return false;

    /* a hostdev interface is in libvirt's hostdev list, ahead of the <hostdev>s */
    for (i = 0; i < def->devices[VD_DEVICE_INTERFACE]->len; i++) {
        vdDevice *dev = g_ptr_array_index(def->devices[VD_DEVICE_INTERFACE], i);

        if (vdDevicePropIs(dev, VD_PROP_TYPE, "hostdev") && vdPCIWants(dev) &&
            !vdPCIReserveNext(set, dev, error))
            return false;
    }

    return vdPCIReserveKinds(def, set, order2, G_N_ELEMENTS(order2), error);
}


static bool
vdPCIAllBusesFull(vdPCISet *set)
{
    guint i;
    unsigned int s;

    for (i = 0; i < set->buses->len; i++) {
        vdPCIBus *bus = vdPCISetBus(set, i);

        for (s = bus->minSlot; s <= bus->maxSlot; s++) {
            if (!bus->slot[s].functions)
                return false;
        }
    }
    return true;
}


/* A PCI slot as one number: domain 16 bits, bus 8, slot 5. */
static gpointer
vdPCISlotKey(const vdAddress *a)
{
    return GUINT_TO_POINTER(((a->domain << 13) | (a->bus << 5) | a->slot) + 1);
}


/* Function 0 of a slot where another function is in use says multifunction='on'.
 * The slots with such a function are collected first, so that this is one pass over
 * the devices instead of one per function found. */
static void
vdPCISetMulti(vdEngineCtx *ctx)
{
    g_autoptr(GHashTable) multi = g_hash_table_new(NULL, NULL);
    size_t k;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(ctx->def->devices[k], i);

            if (dev->addr.type == VD_ADDRESS_PCI && dev->addr.function != 0)
                g_hash_table_add(multi, vdPCISlotKey(&dev->addr));
        }
    }
    if (g_hash_table_size(multi) == 0)
        return;
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < ctx->def->devices[k]->len; i++) {
            vdDevice *f0 = g_ptr_array_index(ctx->def->devices[k], i);
            vdAddress a;
            const char *origin;

            if (f0->addr.type != VD_ADDRESS_PCI || f0->addr.function != 0 ||
                f0->addr.multi != VD_TRISTATE_ABSENT ||
                !g_hash_table_contains(multi, vdPCISlotKey(&f0->addr)))
                continue;
            a = f0->addr;
            origin = f0->addrOrigin;
            a.usbPort = NULL;
            a.multi = VD_TRISTATE_YES;
            /* An address the user wrote stays the user's: claiming it for the
             * multifunction mark would take the whole of it back, and a derivation
             * without it can put this device, and those it shares a slot with,
             * elsewhere. */
            vdDeviceSetAddress(f0, &a, origin);
            f0->addrOrigin = origin;
        }
    }
}


static const char *
vdPCIModelName(const vdEngineCtx *ctx,
               const char *model)
{
    const vdPCIModel *m;

    if (g_str_equal(model, "pci-root"))
        return vdEngineSetting(ctx, VD_SETTING_PCI_ROOT_MODEL_NAME, NULL);
    if (!(m = vdPCIModelFind(model)))
        return NULL;
    if (m->fallback && m->device && !vdCapsArchHas(ctx->profile->caps, m->device))
        return m->fallback;
    return m->device;
}


/* The target indexes the PCI controllers of @conts have. */
static GHashTable *
vdPCITargetIndexes(GPtrArray *conts)
{
    GHashTable *targets = g_hash_table_new(NULL, NULL);
    guint j;

    for (j = 0; j < conts->len; j++) {
        vdDevice *o = g_ptr_array_index(conts, j);
        const char *ti = vdDeviceGet(o, VD_PROP_TARGET_INDEX);

        if (vdControllerIs(o, VD_CONTROLLER_PCI) && ti)
            g_hash_table_add(targets, GINT_TO_POINTER((int)g_ascii_strtoll(ti, NULL, 10)));
    }
    return targets;
}


/* A PCIe root or downstream port's chassis and port: the root port's port number
 * is its slot and function, a downstream port's its slot. */
static void
vdPCIPortOptions(vdDevice *c,
                 const char *model,
                 int idx)
{
    bool rootPort = g_str_equal(model, "pcie-root-port");

    if (!vdDeviceGet(c, VD_PROP_CHASSIS)) {
        g_autofree char *s = g_strdup_printf("%d", idx);

        vdDeviceSet(c, VD_PROP_CHASSIS, s, VD_ORIGIN_ADDRESS);
    }
    if (!vdDeviceGet(c, VD_PROP_PORT)) {
        unsigned int port = rootPort ? (c->addr.slot << 3) + c->addr.function : c->addr.slot;
        g_autofree char *s = g_strdup_printf("0x%x", port);

        vdDeviceSet(c, VD_PROP_PORT, s, VD_ORIGIN_ADDRESS);
    }
}


/* An expander bus's busNr: below the lowest bus number in use, leaving one for the
 * built-in bridge. */
static bool
vdPCIExpanderBusNr(GPtrArray *conts,
                   vdDevice *c,
                   int idx,
                   GError **error)
{
    g_autofree char *s = NULL;
    int lowest = 256;
    guint j;

    for (j = 0; j < conts->len; j++) {
        const char *nr = vdDeviceGet(g_ptr_array_index(conts, j), VD_PROP_BUS_NR);

        if (nr && vdControllerIs(g_ptr_array_index(conts, j), VD_CONTROLLER_PCI))
            lowest = MIN(lowest, (int)g_ascii_strtoll(nr, NULL, 10));
    }
    if (lowest <= 2) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("No free busNr lower than current lowest busNr is available to auto-assign to bus %1$d. Must be manually assigned"),
                    idx);
        return false;
    }
    s = g_strdup_printf("%d", lowest - 2);
    vdDeviceSet(c, VD_PROP_BUS_NR, s, VD_ORIGIN_ADDRESS);
    return true;
}


/* A pSeries PHB's target index: 0 for the first, else the lowest unused from 1, and
 * 32 when 1 to 31 are all taken.  @targets is read from @conts when first needed. */
static void
vdPCIRootTargetIndex(GPtrArray *conts,
                     GHashTable **targets,
                     vdDevice *c,
                     int idx)
{
    g_autofree char *s = NULL;
    int target = 0;

    if (idx != 0) {
        if (!*targets)
            *targets = vdPCITargetIndexes(conts);
        for (target = 1; target <= 31; target++) {
            if (!g_hash_table_contains(*targets, GINT_TO_POINTER(target)))
                break;
        }
        g_hash_table_add(*targets, GINT_TO_POINTER(target));
    }
    s = g_strdup_printf("%d", target);
    vdDeviceSet(c, VD_PROP_TARGET_INDEX, s, VD_ORIGIN_ADDRESS);
}


static bool
vdPCIControllerOptions(vdEngineCtx *ctx,
                       GError **error)
{
    GPtrArray *conts = ctx->def->devices[VD_DEVICE_CONTROLLER];
    g_autoptr(GHashTable) targets = NULL;
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);
        const char *model = vdDeviceGet(c, VD_PROP_MODEL);
        const char *name;
        int idx = vdDeviceIndex(c);

        if (!vdControllerIs(c, VD_CONTROLLER_PCI) || !model)
            continue;
        if (!vdDeviceGet(c, VD_PROP_MODEL_NAME) && (name = vdPCIModelName(ctx, model)))
            vdDeviceSet(c, VD_PROP_MODEL_NAME, name, "libvirt.pci-model-name");

        if (g_str_equal(model, "pci-bridge") && !vdDeviceGet(c, VD_PROP_CHASSIS_NR)) {
            g_autofree char *s = g_strdup_printf("%d", idx);

            vdDeviceSet(c, VD_PROP_CHASSIS_NR, s, VD_ORIGIN_ADDRESS);
        } else if (g_str_equal(model, "pcie-root-port") ||
                   g_str_equal(model, "pcie-switch-downstream-port")) {
            vdPCIPortOptions(c, model, idx);
        } else if ((g_str_equal(model, "pci-expander-bus") || g_str_equal(model, "pcie-expander-bus")) &&
                   !vdDeviceGet(c, VD_PROP_BUS_NR)) {
            if (!vdPCIExpanderBusNr(conts, c, idx, error))
                return false;
        } else if (g_str_equal(model, "pci-root") && vdEngineSettingIs(ctx, VD_SETTING_PCI_MULTIPLE_ROOTS, "yes") &&
                   !vdDeviceGet(c, VD_PROP_TARGET_INDEX)) {
            vdPCIRootTargetIndex(conts, &targets, c, idx);
        }

        if (g_str_equal(model, "pci-bridge") && c->addr.type == VD_ADDRESS_PCI &&
            idx <= (int)c->addr.bus) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("PCI controller at index %1$d (0x%2$02x) has bus='0x%3$02x', but index must be larger than bus"),
                        idx, idx, c->addr.bus);
            return false;
        }
    }
    return true;
}


/* The zPCI ids in use: uids from 1, fids from 0 (stored as fid + 1). */
typedef struct {
    GHashTable *uids;
    GHashTable *fids;
} vdZpciIds;


/* Take the ids @a names for itself; libvirt refuses a uid 0 and an id used twice. */
static bool
vdZpciReserve(vdZpciIds *ids,
              const vdAddress *a,
              GError **error)
{
    if (a->zpciUidSet && (a->zpciUid == 0 || a->zpciUid > 0xffff)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("Invalid PCI address uid='0x%1$04x', must be > 0x0000 and <= 0xffff"),
                    a->zpciUid);
        return false;
    }
    if (a->zpciUidSet && !g_hash_table_add(ids->uids, GUINT_TO_POINTER(a->zpciUid))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                    /* in octal, as libvirt 9.0 says it */
                    _("zPCI uid %1$o is already reserved"), a->zpciUid);
        return false;
    }
    if (a->zpciFidSet && !g_hash_table_add(ids->fids, GUINT_TO_POINTER(a->zpciFid + 1))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                    _("zPCI fid %1$o is already reserved"), a->zpciFid);
        return false;
    }
    return true;
}


/* Give @d the zPCI ids its address lacks: the lowest free ones. */
static void
vdZpciEnsure(vdZpciIds *ids,
             vdDevice *d)
{
    const char *origin = d->addrOrigin;
    vdAddress a = d->addr;
    unsigned int uid = 1;
    unsigned int fid = 0;

    if (a.hasZpci && a.zpciUidSet && a.zpciFidSet)
        return;
    if (!a.zpciUidSet) {
        while (g_hash_table_contains(ids->uids, GUINT_TO_POINTER(uid)))
            uid++;
        g_hash_table_add(ids->uids, GUINT_TO_POINTER(uid));
        a.zpciUid = uid;
    }
    if (!a.zpciFidSet) {
        while (g_hash_table_contains(ids->fids, GUINT_TO_POINTER(fid + 1)))
            fid++;
        g_hash_table_add(ids->fids, GUINT_TO_POINTER(fid + 1));
        a.zpciFid = fid;
    }
    a.usbPort = NULL;
    a.hasZpci = a.zpciUidSet = a.zpciFidSet = true;
    /* the zPCI ids of an address the user wrote are no claim on the address: taking
     * it back would move the device (see vdPCISetMulti) */
    vdDeviceSetAddress(d, &a, origin);
    d->addrOrigin = origin;
}


/* On s390 every PCI device also gets a zPCI uid and fid.  Devices that name some
 * of theirs go first, in order, each completed as it is met; then the others. */
static bool
vdPCIAssignZpci(vdEngineCtx *ctx,
                GError **error)
{
    g_autoptr(GHashTable) uids = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) fids = g_hash_table_new(NULL, NULL);
    vdZpciIds ids = { uids, fids };
    int pass;
    size_t k;
    guint i;

    for (pass = 0; pass < 2; pass++) {
        for (k = 0; k < VD_ITERATE_KINDS; k++) {
            for (i = 0; i < ctx->def->devices[vdIterateOrder[k]]->len; i++) {
                vdDevice *d = g_ptr_array_index(ctx->def->devices[vdIterateOrder[k]], i);

                if (d->addr.type != VD_ADDRESS_PCI || vdControllerIs(d, VD_CONTROLLER_PCI) ||
                    d->addr.hasZpci != (pass == 0))
                    continue;
                if (!vdZpciReserve(&ids, &d->addr, error))
                    return false;
                vdZpciEnsure(&ids, d);
            }
        }
    }
    return true;
}


bool
vdEngineAssignPCI(vdEngineCtx *ctx,
                  GError **error)
{
    vdDomainDef *def = ctx->def;
    GPtrArray *conts = def->devices[VD_DEVICE_CONTROLLER];
    g_autoptr(vdPCISet) set = NULL;
    int maxIdx = -1;
    unsigned int nbuses;
    guint i;

    for (i = 0; i < conts->len; i++) {
        vdDevice *c = g_ptr_array_index(conts, i);

        if (vdControllerIs(c, VD_CONTROLLER_PCI))
            maxIdx = MAX(maxIdx, vdDeviceIndex(c));
    }
    nbuses = maxIdx + 1;
    vdPCIFillFlags(ctx);

    if (nbuses > 0) {
        if (!(set = vdPCISetCreate(ctx, nbuses, true, error)) ||
            !vdPCIChipset(ctx, set, error))
            return false;

        /* keep a slot free on pci-root machines so a bridge can be added later */
        if (vdPCIHasRoot(def, "pci-root") && vdEngineSettingIs(ctx, VD_SETTING_PCI_SPARE_BRIDGE_SLOT, "yes") &&
            !vdPCIAllBusesFull(set) &&
            !vdPCIReserveNextAddr(set, NULL, VD_PCI_AUTOASSIGN | VD_PCI_TYPE_PCI_DEVICE, -1, error))
            return false;

        if (!vdPCIAssignSlots(ctx, set, error))
            return false;

        /* a new definition whose PCI topology libvirt built keeps empty ports for hotplug */
        if (maxIdx <= 0 && set->buses->len > nbuses && vdPCIHasRoot(def, "pcie-root")) {
            unsigned int spare = vdEngineSettingUInt(ctx, VD_SETTING_PCI_SPARE_ROOT_PORTS, 1);

            for (i = 0; i < spare; i++) {
                if (!vdPCIReserveNextAddr(set, NULL, VD_PCI_AUTOASSIGN | VD_PCI_TYPE_PCIE_DEVICE,
                                          -1, error))
                    return false;
            }
        }

        for (i = 1; i < set->buses->len; i++) {
            vdPCIBus *bus = vdPCISetBus(set, i);
            vdDevice *c;

            /* only indexes up to maxIdx were written: the rest are for us to add */
            if ((int)i <= maxIdx && vdDomainDefFindController(def, VD_CONTROLLER_PCI, i))
                continue;
            c = vdDeviceNew(VD_DEVICE_CONTROLLER);
            c->origin = VD_ORIGIN_ADDRESS;
            {
                g_autofree char *s = g_strdup_printf("%u", i);

                vdDeviceSet(c, VD_PROP_TYPE, "pci", VD_ORIGIN_ADDRESS);
                vdDeviceSet(c, VD_PROP_INDEX, s, VD_ORIGIN_ADDRESS);
                vdDeviceSet(c, VD_PROP_MODEL, bus->model, VD_ORIGIN_ADDRESS);
            }
            g_ptr_array_add(def->devices[VD_DEVICE_CONTROLLER], c);
            c->pciFlags = vdPCIControllerConnectType(bus->model);
            if (!g_str_equal(bus->model, "pci-root") && !g_str_equal(bus->model, "pcie-root") &&
                !vdPCIReserveNext(set, c, error))
                return false;
        }
        nbuses = set->buses->len;
        g_clear_pointer(&set, vdPCISetFree);
    }

    if (!vdEngineSettingIs(ctx, VD_SETTING_PCI_SUPPORTED, "yes"))
        return true;

    if (!(set = vdPCISetCreate(ctx, nbuses, false, error)) ||
        !vdPCIChipset(ctx, set, error) ||
        !vdPCIAssignSlots(ctx, set, error))
        return false;
    vdPCISetMulti(ctx);
    if (vdEngineSettingIs(ctx, VD_SETTING_PCI_ZPCI, "yes"))
        if (!vdPCIAssignZpci(ctx, error))
            return false;
    return vdPCIControllerOptions(ctx, error);
}
