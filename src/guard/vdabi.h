/*
 * vdabi.h: compare two definitions for guest ABI stability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "conf/vddomain.h"

GPtrArray *vdAbiCompare(const vdDomainDef *a, const vdDomainDef *b);
