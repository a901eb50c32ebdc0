/*
 * vderror.h: the error domain of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#define VD_ERROR (vdErrorQuark())

typedef enum {
    VD_ERROR_INTERNAL,     /* a bug: should never reach a user */
    VD_ERROR_XML,          /* malformed or hostile XML */
    VD_ERROR_INVALID,      /* well-formed but not a valid definition */
    VD_ERROR_UNSUPPORTED,  /* the defaults cannot satisfy the definition */
    VD_ERROR_TABLE,        /* the defaults table itself is broken */
    VD_ERROR_ABI,          /* a change that would break guest ABI */
    VD_ERROR_IO,           /* reading or writing a file or store */
    VD_ERROR_NOT_FOUND,    /* no such domain in the store */
} vdErrorCode;

GQuark vdErrorQuark(void);
