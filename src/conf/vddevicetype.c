/*
 * vddevicetype.c: controller types, USB controller models and disk buses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "conf/vddevicetype.h"

VD_ENUM_IMPL(vdController, VD_CONTROLLER_LAST,
             "ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus",
             "isa");

VD_ENUM_IMPL(vdUSBModel, VD_USB_MODEL_LAST,
             "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2",
             "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2",
             "qemu-xhci", "none");

VD_ENUM_IMPL(vdDiskBus, VD_DISK_BUS_LAST,
             "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd");

/* Port counts are those of QEMU's devices, which libvirt 9.0 knows per model; an XHCI
 * controller without ports='N' has QEMU's default of 4.  A companion has no root hub
 * of its own: its ports are the ones of its master it takes over for USB 1 devices,
 * and like libvirt it asks for its master's capability. */
static const vdUSBModelInfo vdUSBModels[VD_USB_MODEL_LAST] = {
    [VD_USB_MODEL_PIIX3_UHCI] = { .ports = 2, .capability = "piix3-usb-uhci" },
    [VD_USB_MODEL_PIIX4_UHCI] = { .ports = 2, .capability = "piix4-usb-uhci" },
    [VD_USB_MODEL_EHCI] = { .ports = 6, .capability = "usb-ehci" },
    [VD_USB_MODEL_ICH9_EHCI1] = { .ports = 6, .ich9 = true, .pciFunction = 7,
                                  .capability = "ich9-usb-ehci1" },
    [VD_USB_MODEL_ICH9_UHCI1] = { .ich9 = true, .companion = true, .startPort = "0",
                                  .pciFunction = 0, .capability = "ich9-usb-ehci1" },
    [VD_USB_MODEL_ICH9_UHCI2] = { .ich9 = true, .companion = true, .startPort = "2",
                                  .pciFunction = 1, .capability = "ich9-usb-ehci1" },
    [VD_USB_MODEL_ICH9_UHCI3] = { .ich9 = true, .companion = true, .startPort = "4",
                                  .pciFunction = 2, .capability = "ich9-usb-ehci1" },
    [VD_USB_MODEL_VT82C686B_UHCI] = { .ports = 2, .capability = "vt82c686b-usb-uhci" },
    [VD_USB_MODEL_PCI_OHCI] = { .ports = 3, .capability = "pci-ohci" },
    [VD_USB_MODEL_NEC_XHCI] = { .ports = 4, .xhci = true, .capability = "nec-usb-xhci" },
    [VD_USB_MODEL_QUSB1] = { .ports = 8 },
    [VD_USB_MODEL_QUSB2] = { .ports = 8 },
    [VD_USB_MODEL_QEMU_XHCI] = { .ports = 4, .xhci = true, .capability = "qemu-xhci" },
    [VD_USB_MODEL_NONE] = { 0 },
};


/* The row of @model; for -1 (no model, or one the enum lacks) a row that says
 * nothing, so that callers may test its members without checking first. */
const vdUSBModelInfo *
vdUSBModelInfoGet(int model)
{
    static const vdUSBModelInfo unknown = { 0 };

    if (model < 0 || model >= VD_USB_MODEL_LAST)
        return &unknown;
    return &vdUSBModels[model];
}
