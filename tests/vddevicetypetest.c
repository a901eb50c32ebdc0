/*
 * vddevicetypetest.c: the typed views of a device's strings, and the USB model rows
 *
 * The engine compares controller types, USB controller models and disk buses as
 * enums derived from the strings of the view.  These tests check that every value
 * converts both ways, that the rows of the USB models agree with each other and with
 * the emulator capabilities the table knows, and that the typed views follow the
 * strings through parsing, vdDeviceSet(), vdDeviceTake(), copying and clearing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "util/vdxml.h"
#include "testutils.h"

typedef struct {
    const char *(*toString)(int type);
    int (*fromString)(const char *type);
    int last;
} vdTypeTestEnum;


static void
vdTypeTestRoundTrip(gconstpointer opaque)
{
    const vdTypeTestEnum *e = opaque;
    int i;

    for (i = 0; i < e->last; i++) {
        g_assert_nonnull(e->toString(i));
        g_assert_cmpint(e->fromString(e->toString(i)), ==, i);
    }
    g_assert_null(e->toString(e->last));
    g_assert_cmpint(e->fromString("no-such-value"), ==, -1);
    g_assert_cmpint(e->fromString(NULL), ==, -1);
}


/* Companions are ICH9 set members without ports of their own, each starting at a
 * different port of the master; every other model but 'none' has a root hub; the
 * members of a set take different functions of one slot, function 0 among them. */
static void
vdTypeTestUSBRows(void)
{
    g_autoptr(GHashTable) startPorts = g_hash_table_new(g_str_hash, g_str_equal);
    unsigned int functions = 0;
    int i;

    for (i = 0; i < VD_USB_MODEL_LAST; i++) {
        const vdUSBModelInfo *u = vdUSBModelInfoGet(i);

        g_test_message("%s", vdUSBModelTypeToString(i));
        if (u->companion) {
            g_assert_true(u->ich9);
            g_assert_cmpuint(u->ports, ==, 0);
            g_assert_nonnull(u->startPort);
            g_assert_true(g_hash_table_add(startPorts, (gpointer)u->startPort));
        } else {
            g_assert_null(u->startPort);
            if (i != VD_USB_MODEL_NONE)
                g_assert_cmpuint(u->ports, >, 0);
        }
        if (u->xhci)
            g_assert_false(u->ich9);
        /* the members of a set share a PCI slot, one function each */
        if (u->ich9) {
            g_assert_cmpuint(u->pciFunction, <, 8);
            g_assert_false(functions & (1u << u->pciFunction));
            functions |= 1u << u->pciFunction;
        } else {
            g_assert_cmpuint(u->pciFunction, ==, 0);
        }
    }
    g_assert_true(functions & 1u);
    g_assert_false(vdUSBModelInfoGet(-1)->ich9);
    g_assert_cmpuint(vdUSBModelInfoGet(-1)->ports, ==, 0);
    g_assert_cmpuint(vdUSBModelInfoGet(VD_USB_MODEL_LAST)->ports, ==, 0);
}


/* A capability a row names is one some emulator of the table reports. */
static void
vdTypeTestUSBCapabilities(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = vdTableLoadDefault(&err);
    int i;

    g_assert_no_error(err);
    for (i = 0; i < VD_USB_MODEL_LAST; i++) {
        const char *cap = vdUSBModelInfoGet(i)->capability;
        bool found = false;
        guint a;

        for (a = 0; cap && a < table->arches->len && !found; a++)
            found = vdCapsArchHas(g_ptr_array_index(table->arches, a), cap);
        if (cap && !found) {
            g_test_message("%s: no emulator has '%s'", vdUSBModelTypeToString(i), cap);
            g_test_fail();
        }
    }
}


static void
vdTypeTestViews(void)
{
    static const char xml[] =
        "<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file'><target dev='vda' bus='virtio'/></disk>"
        "<controller type='usb' index='0' model='ich9-uhci2'/>"
        "<controller type='foo' index='0'/>"
        "</devices></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vdXMLParse(xml, sizeof(xml) - 1, "test.xml", "domain", &err);
    g_autoptr(vdDomainDef) def = NULL;
    g_autoptr(vdDomainDef) copy = NULL;
    vdDevice *disk;
    vdDevice *usb;
    vdDevice *foo;

    g_assert_no_error(err);
    def = vdDomainDefParseFlags(doc, VD_DOMAIN_PARSE_KEEP_ORDER, &err);
    g_assert_no_error(err);
    disk = vdDomainDefGet(def, VD_DEVICE_DISK, 0);
    usb = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, 0);
    foo = vdDomainDefGet(def, VD_DEVICE_CONTROLLER, 1);

    g_assert_true(vdDiskBusIs(disk, VD_DISK_BUS_VIRTIO));
    g_assert_false(vdControllerIs(disk, VD_CONTROLLER_USB));
    g_assert_true(vdControllerIs(usb, VD_CONTROLLER_USB));
    g_assert_true(vdUSBModelIs(usb, VD_USB_MODEL_ICH9_UHCI2));
    g_assert_cmpstr(vdDeviceUSBModel(usb)->startPort, ==, "2");
    g_assert_cmpint(foo->controllerType, ==, -1);
    g_assert_false(vdDeviceUSBModel(foo)->ich9);

    vdDeviceSet(disk, VD_PROP_BUS, "sata", "test");
    g_assert_true(vdDiskBusIs(disk, VD_DISK_BUS_SATA));
    vdDeviceTake(usb, VD_PROP_MODEL, g_strdup("qemu-xhci"), NULL);
    g_assert_true(vdDeviceUSBModel(usb)->xhci);
    g_assert_null(usb->propOrigin[VD_PROP_MODEL]);
    vdDeviceSet(usb, VD_PROP_TYPE, "scsi", "test");
    g_assert_true(vdControllerIs(usb, VD_CONTROLLER_SCSI));
    g_assert_false(vdUSBModelIs(usb, VD_USB_MODEL_QEMU_XHCI));

    /* a string cleared in place, as vdStampStrip() does, reads as absent, and a copy
     * derives its views again */
    g_clear_pointer(&disk->props[VD_PROP_BUS], g_free);
    g_assert_false(vdDiskBusIs(disk, VD_DISK_BUS_SATA));
    copy = vdDomainDefCopy(def);
    g_assert_cmpint(vdDomainDefGet(copy, VD_DEVICE_DISK, 0)->diskBus, ==, -1);
    g_assert_true(vdControllerIs(vdDomainDefGet(copy, VD_DEVICE_CONTROLLER, 0),
                                 VD_CONTROLLER_SCSI));
}


static const vdTypeTestEnum vdTypeTestControllers = {
    vdControllerTypeToString, vdControllerTypeFromString, VD_CONTROLLER_LAST
};
static const vdTypeTestEnum vdTypeTestUSBModels = {
    vdUSBModelTypeToString, vdUSBModelTypeFromString, VD_USB_MODEL_LAST
};
static const vdTypeTestEnum vdTypeTestDiskBuses = {
    vdDiskBusTypeToString, vdDiskBusTypeFromString, VD_DISK_BUS_LAST
};


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_data_func("/types/enum/controller", &vdTypeTestControllers, vdTypeTestRoundTrip);
    g_test_add_data_func("/types/enum/usb-model", &vdTypeTestUSBModels, vdTypeTestRoundTrip);
    g_test_add_data_func("/types/enum/disk-bus", &vdTypeTestDiskBuses, vdTypeTestRoundTrip);
    g_test_add_func("/types/usb/rows", vdTypeTestUSBRows);
    g_test_add_func("/types/usb/capabilities", vdTypeTestUSBCapabilities);
    g_test_add_func("/types/views", vdTypeTestViews);
    return g_test_run();
}
