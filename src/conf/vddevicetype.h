/*
 * vddevicetype.h: what the engine knows a controller type, a USB controller model
 * and a disk bus to be
 *
 * The view keeps every property as the string the definition wrote, which is what is
 * written back.  These enums are typed views of some of those strings, derived in
 * one place (vddomain.c) whenever the string changes, so that the engine compares
 * numbers and looks a model's properties up in one row instead of spelling model
 * names at every use.
 *
 * The enum types end in Type and the table macros take the name without it, so
 * that the conversions read vdControllerTypeToString() rather than
 * vdControllerTypeTypeToString().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/vdenum.h"

/* <controller type=...>, as libvirt 9.0 spells them */
typedef enum {
    VD_CONTROLLER_IDE,
    VD_CONTROLLER_FDC,
    VD_CONTROLLER_SCSI,
    VD_CONTROLLER_SATA,
    VD_CONTROLLER_VIRTIO_SERIAL,
    VD_CONTROLLER_CCID,
    VD_CONTROLLER_USB,
    VD_CONTROLLER_PCI,
    VD_CONTROLLER_XENBUS,
    VD_CONTROLLER_ISA,

    VD_CONTROLLER_LAST
} vdControllerType;
VD_ENUM_DECL(vdController);

/* <controller type='usb' model=...> */
typedef enum {
    VD_USB_MODEL_PIIX3_UHCI,
    VD_USB_MODEL_PIIX4_UHCI,
    VD_USB_MODEL_EHCI,
    VD_USB_MODEL_ICH9_EHCI1,
    VD_USB_MODEL_ICH9_UHCI1,
    VD_USB_MODEL_ICH9_UHCI2,
    VD_USB_MODEL_ICH9_UHCI3,
    VD_USB_MODEL_VT82C686B_UHCI,
    VD_USB_MODEL_PCI_OHCI,
    VD_USB_MODEL_NEC_XHCI,
    VD_USB_MODEL_QUSB1,
    VD_USB_MODEL_QUSB2,
    VD_USB_MODEL_QEMU_XHCI,
    VD_USB_MODEL_NONE,

    VD_USB_MODEL_LAST
} vdUSBModelType;
VD_ENUM_DECL(vdUSBModel);

/* What a USB controller of one model is. */
typedef struct {
    /* ports of its root hub; 0: none of its own (a companion uses its master's) */
    unsigned int ports;
    /* an XHCI controller: ports='N' sets the count, up to usb.xhci-max-ports */
    bool xhci;
    /* a member of an ICH9 USB2 set: an EHCI master and its UHCI companions, which
     * share one index and are told apart by model */
    bool ich9;
    /* a UHCI companion of the set's master, and the first master port it serves,
     * as libvirt writes it into <master startport=...> */
    bool companion;
    const char *startPort;
    /* an ICH9 set member's function in the PCI slot the set shares; function 0, the
     * first companion, makes the slot multifunction */
    unsigned int pciFunction;
    /* the QEMU device capability the model needs, NULL: none */
    const char *capability;
} vdUSBModelInfo;

const vdUSBModelInfo *vdUSBModelInfoGet(int model);

/* <disk><target bus=...> */
typedef enum {
    VD_DISK_BUS_IDE,
    VD_DISK_BUS_FDC,
    VD_DISK_BUS_SCSI,
    VD_DISK_BUS_VIRTIO,
    VD_DISK_BUS_XEN,
    VD_DISK_BUS_USB,
    VD_DISK_BUS_UML,
    VD_DISK_BUS_SATA,
    VD_DISK_BUS_SD,

    VD_DISK_BUS_LAST
} vdDiskBusType;
VD_ENUM_DECL(vdDiskBus);
