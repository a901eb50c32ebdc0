/*
 * vddomain.h: a typed view of a libvirt domain over its libxml2 tree
 *
 * The engine reads and changes only this view; vdDomainDefSync() writes what it
 * changed back into the tree, so everything the view does not model is kept verbatim.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "conf/vddevicetype.h"
#include "util/vdenum.h"

/* Device kinds, in the order libvirt formats them inside <devices>. */
typedef enum {
    VD_DEVICE_DISK,
    VD_DEVICE_CONTROLLER,
    VD_DEVICE_LEASE,
    VD_DEVICE_FILESYSTEM,
    VD_DEVICE_INTERFACE,
    VD_DEVICE_SMARTCARD,
    VD_DEVICE_SERIAL,
    VD_DEVICE_PARALLEL,
    VD_DEVICE_CONSOLE,
    VD_DEVICE_CHANNEL,
    VD_DEVICE_INPUT,
    VD_DEVICE_TPM,
    VD_DEVICE_GRAPHICS,
    VD_DEVICE_SOUND,
    VD_DEVICE_AUDIO,
    VD_DEVICE_VIDEO,
    VD_DEVICE_HOSTDEV,
    VD_DEVICE_REDIRDEV,
    VD_DEVICE_REDIRFILTER,
    VD_DEVICE_HUB,
    VD_DEVICE_WATCHDOG,
    VD_DEVICE_MEMBALLOON,
    VD_DEVICE_RNG,
    VD_DEVICE_NVRAM,
    VD_DEVICE_PANIC,
    VD_DEVICE_SHMEM,
    VD_DEVICE_MEMORY,
    VD_DEVICE_IOMMU,
    VD_DEVICE_VSOCK,
    VD_DEVICE_CRYPTO,

    VD_DEVICE_LAST
} vdDeviceKind;
VD_ENUM_DECL(vdDeviceKind);

/* The properties of a device the engine reads or fills.  Where each lives in the XML
 * of each device kind is a table in vddomain.c. */
typedef enum {
    VD_PROP_TYPE,
    VD_PROP_DEVICE,
    VD_PROP_MODEL,
    VD_PROP_INDEX,
    VD_PROP_BUS,
    VD_PROP_DEV,
    VD_PROP_DRIVER_NAME,
    VD_PROP_DRIVER_TYPE,
    VD_PROP_READONLY,
    VD_PROP_MODEL_NAME,
    VD_PROP_CHASSIS_NR,
    VD_PROP_CHASSIS,
    VD_PROP_PORT,
    VD_PROP_TARGET_INDEX,
    VD_PROP_BUS_NR,
    VD_PROP_PORTS,
    VD_PROP_VECTORS,
    VD_PROP_STARTPORT,
    VD_PROP_TARGET_TYPE,
    VD_PROP_TARGET_PORT,
    VD_PROP_TARGET_MODEL,
    VD_PROP_TARGET_NAME,
    VD_PROP_VIDEO_RAM,
    VD_PROP_VIDEO_VRAM,
    VD_PROP_VIDEO_VGAMEM,
    VD_PROP_VIDEO_HEADS,
    VD_PROP_VIDEO_PRIMARY,
    VD_PROP_GFX_PORT,
    VD_PROP_GFX_AUTOPORT,
    VD_PROP_GFX_LISTEN,
    VD_PROP_LISTEN_TYPE,
    VD_PROP_ID,
    VD_PROP_ACTION,
    VD_PROP_MODE,
    VD_PROP_MANAGED,
    VD_PROP_BACKEND_MODEL,
    VD_PROP_BACKEND_TYPE,
    VD_PROP_BACKEND_VERSION,
    VD_PROP_FREE_PAGE_REPORTING,
    VD_PROP_SOURCE_MODE,
    VD_PROP_SOURCE_PATH,
    VD_PROP_ACCESSMODE,
    VD_PROP_FS_DRIVER_TYPE,
    VD_PROP_CID_AUTO,
    VD_PROP_CID_ADDRESS,
    VD_PROP_MAC,
    VD_PROP_SIZE,
    VD_PROP_SIZE_UNIT,
    VD_PROP_MSI_IOEVENTFD,
    VD_PROP_IOMMU_EIM,
    VD_PROP_BACKEND_PATH,
    VD_PROP_GFX_SOCKET,
    VD_PROP_SOURCE,
    VD_PROP_TARGET_STATE,
    VD_PROP_PRIMARY_REQUEST,
    VD_PROP_LISTEN_ADDRESS,
    VD_PROP_LISTEN_SOCKET,
    VD_PROP_GFX_TLS_PORT,
    VD_PROP_TARGET_DEV,
    VD_PROP_CONSOLE_TTY,
    VD_PROP_DISPLAY,
    VD_PROP_HOSTDEV_MODEL,
    VD_PROP_PROTOCOL,
    VD_PROP_BACKEND_PROTOCOL,
    VD_PROP_BACKEND_DEVICE,
    VD_PROP_FS_SOURCE_SOCKET,
    VD_PROP_AUDIO_DRIVER,

    VD_PROP_LAST
} vdProp;

VD_ENUM_DECL(vdProp);

/* Limits on a definition (docs/limits.rst).  They bound the engine's work on any input:
 * below them every step is linear or n log n in the devices.  libvirt 9.0 has no such
 * limits, but refuses for lack of PCI slots or USB ports, or runs for hours, well
 * before a real definition could reach them. */
#define VD_DOMAIN_MAX_DEVICES 16384             /* devices in <devices>, before and after */
#define VD_DOMAIN_MAX_CONTROLLER_INDEX 4095     /* implied by a disk name or drive address */
#define VD_DOMAIN_MAX_PCI_INDEX 255             /* a PCI controller's index is a bus number */

typedef enum {
    VD_ADDRESS_NONE,
    VD_ADDRESS_PCI,
    VD_ADDRESS_DRIVE,
    VD_ADDRESS_VIRTIO_SERIAL,
    VD_ADDRESS_CCID,
    VD_ADDRESS_USB,
    VD_ADDRESS_SPAPRVIO,
    VD_ADDRESS_CCW,
    VD_ADDRESS_VIRTIO_MMIO,
    VD_ADDRESS_ISA,
    VD_ADDRESS_DIMM,
    VD_ADDRESS_UNASSIGNED,

    VD_ADDRESS_LAST
} vdAddressType;
VD_ENUM_DECL(vdAddressType);

typedef struct _vdAddress vdAddress;
struct _vdAddress {
    vdAddressType type;
    /* pci */
    unsigned int domain;
    unsigned int bus;          /* pci, drive, usb, virtio-serial */
    unsigned int slot;         /* pci, ccid */
    unsigned int function;
    vdTristate multi;
    /* drive, virtio-serial, ccid */
    unsigned int controller;
    unsigned int target;
    unsigned int unit;
    unsigned int port;         /* virtio-serial */
    char *usbPort;             /* usb: "1" or "1.2" */
    /* ccw */
    unsigned int cssid;
    unsigned int ssid;
    unsigned int devno;
    /* spapr-vio reg; dimm base */
    unsigned long long reg;
    bool hasReg;
    /* s390 zPCI extension of a PCI address */
    bool hasZpci;                    /* a <zpci>, complete or not */
    bool zpciUidSet;
    bool zpciFidSet;
    unsigned int zpciUid;
    unsigned int zpciFid;
    /* types the engine does not assign are kept as written */
    bool opaque;
};

typedef struct _vdDevice vdDevice;
struct _vdDevice {
    vdDeviceKind kind;
    xmlNodePtr node;                 /* NULL until vdDomainDefSync() creates it */
    char *props[VD_PROP_LAST];
    const char *propOrigin[VD_PROP_LAST];  /* rule id that filled it, or NULL */
    vdAddress addr;
    const char *addrOrigin;          /* rule id that assigned the address, or NULL */
    const char *origin;              /* rule id that added the device, or NULL */
    bool addrChanged;
    bool removed;
    /* a device the engine derives from another one (console <-> serial) starts as a
     * copy of that device's XML without its target, address and alias */
    const vdDevice *copyOf;
    /* in a planner's copy of a view (vdDomainDefCopy): the device it copies, or
     * NULL for a device the planner added */
    const vdDevice *source;
    /* typed views of props[], derived only by vddomain.c when the string changes
     * (vdDeviceSet, vdDeviceTake, parsing, copying); -1 when the property is absent,
     * names a value the enum lacks, or the device is of another kind.  Read them
     * through vdControllerIs() and the like. */
    int controllerType;              /* vdControllerType of a controller's type */
    int usbModel;                    /* vdUSBModelType of a USB controller's model */
    int diskBus;                     /* vdDiskBusType of a disk's bus */
    /* engine scratch space */
    unsigned int pciFlags;
    int diskIndex;                   /* vdDiskNameToIndex() of a disk's target, cached */
};

typedef struct _vdDomainDef vdDomainDef;
struct _vdDomainDef {
    xmlDocPtr doc;
    xmlNodePtr root;
    char *virtType;
    char *arch;                 /* as written, or NULL */
    char *machine;              /* as written, or NULL */
    const char *machineOrigin;
    char *newMachine;           /* what the engine wants written */
    char *newArch;
    unsigned int vcpus;
    bool ps2Off;
    bool hasPS2Feature;         /* <features><ps2>, which libvirt 9.0 does not know */
    bool hasMaxMemory;
    bool hasNUMA;
    GPtrArray *devices[VD_DEVICE_LAST];   /* vdDevice *, in libvirt's order */
    GHashTable *rulesUsed;      /* ids of every table rule the engine consulted */
};

typedef enum {
    /* Keep disks and controllers in document order instead of sorting them in the
     * way libvirt's parser does.  For definitions that are already complete: libvirt
     * would regroup controllers by type on every re-parse, which changes nothing the
     * guest sees but would make applying the engine twice differ from once. */
    VD_DOMAIN_PARSE_KEEP_ORDER = 1 << 0,
} vdDomainParseFlags;

vdDomainDef *vdDomainDefParse(xmlDocPtr doc, GError **error);
vdDomainDef *vdDomainDefParseFlags(xmlDocPtr doc, unsigned int flags, GError **error);
vdDomainDef *vdDomainDefCopy(const vdDomainDef *def);
void vdDomainDefAddRules(vdDomainDef *def, GHashTable *rules);
void vdDomainDefFree(vdDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdDomainDef, vdDomainDefFree);

vdDevice *vdDeviceNew(vdDeviceKind kind);
vdDevice *vdDeviceCopy(const vdDevice *dev);
GHashTable *vdDomainDefKeys(const vdDomainDef *def);
bool vdDeviceIsSupplied(const vdDevice *dev);
void vdDeviceFree(vdDevice *dev);

const char *vdDeviceGet(const vdDevice *dev, vdProp prop);
bool vdDevicePropIs(const vdDevice *dev, vdProp prop, const char *value);
void vdDeviceSet(vdDevice *dev, vdProp prop, const char *value, const char *origin);
void vdDeviceTake(vdDevice *dev, vdProp prop, char *value, const char *origin);
bool vdControllerIs(const vdDevice *dev, vdControllerType type);
bool vdUSBModelIs(const vdDevice *dev, vdUSBModelType model);
const vdUSBModelInfo *vdDeviceUSBModel(const vdDevice *dev);
bool vdDiskBusIs(const vdDevice *dev, vdDiskBusType bus);
void vdDeviceSetAddress(vdDevice *dev, const vdAddress *addr, const char *origin);
int vdDeviceIndex(const vdDevice *dev);

void vdDomainDefAddDevice(vdDomainDef *def, vdDevice *dev);
void vdDomainDefInsertController(vdDomainDef *def, vdDevice *cont);
vdDevice *vdDomainDefFindController(const vdDomainDef *def, vdControllerType type, int idx);
guint vdDomainDefCount(const vdDomainDef *def, vdDeviceKind kind);
guint vdDomainDefCountAll(const vdDomainDef *def);
bool vdDomainDefCheckSize(const vdDomainDef *def, GError **error);
vdDevice *vdDomainDefGet(const vdDomainDef *def, vdDeviceKind kind, guint i);

bool vdDomainDefSync(vdDomainDef *def, GError **error);

void vdAddressClear(vdAddress *addr);
void vdAddressCopy(vdAddress *dst, const vdAddress *src);
bool vdAddressEqual(const vdAddress *a, const vdAddress *b);
int vdDiskNameToIndex(const char *name);
