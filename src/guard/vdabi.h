/*
 * vdabi.h: compare two definitions for guest ABI stability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"

typedef enum {
    /* @b may hold devices @a lacks, as long as every device of @a is in @b,
     * in the same order and unchanged: what a completion adds back to a
     * definition that lost its implicit devices (libvirt's migratable XML
     * drops them) is no ABI change */
    VD_ABI_ALLOW_ADDED = 1 << 0,
} vdAbiFlags;

GPtrArray *vdAbiCompare(const vdDomainDef *a, const vdDomainDef *b);
GPtrArray *vdAbiCompareFlags(const vdDomainDef *a, const vdDomainDef *b, unsigned int flags);
