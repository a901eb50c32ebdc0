/*
 * vddevicetype.c: controller types
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "conf/vddevicetype.h"

VD_ENUM_IMPL(vdController, VD_CONTROLLER_LAST,
             "ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus",
             "isa");
