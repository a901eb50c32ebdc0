/*
 * vderror.h: the error domain of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* The domain and its codes are public: libvirt-defaults.h */
#include "libvirt-defaults.h"
