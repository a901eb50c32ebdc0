/*
 * vddevicetype.h: what the engine knows a controller type to be
 *
 * The view keeps every property as the string the definition wrote, which is what is
 * written back.  These enums are typed views of some of those strings, derived in
 * one place (vddomain.c) whenever the string changes, so that the engine compares
 * numbers instead of spelling names at every use.
 *
 * The enum types end in Type and the table macros take the name without it, so
 * that the conversions read vdControllerTypeToString() rather than
 * vdControllerTypeTypeToString().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

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
