/*
 * vderror.c: the error domain of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "util/vderror.h"

GQuark
vdErrorQuark(void)
{
    return g_quark_from_static_string("vd-error-quark");
}
