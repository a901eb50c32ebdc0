/*
 * vdenum.h: enum <-> string tables that fail to build when a value lacks its string
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

int vdEnumFromString(const char * const *types, unsigned int ntypes, const char *type);
const char *vdEnumToString(const char * const *types, unsigned int ntypes, int type);

#define VD_ENUM_IMPL(name, lastVal, ...) \
    static const char *const name ## TypeList[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(name ## TypeList) == lastVal); \
    const char *name ## TypeToString(int type) \
    { \
        return vdEnumToString(name ## TypeList, G_N_ELEMENTS(name ## TypeList), type); \
    } \
    int name ## TypeFromString(const char *type) \
    { \
        return vdEnumFromString(name ## TypeList, G_N_ELEMENTS(name ## TypeList), type); \
    }

#define VD_ENUM_DECL(name) \
    const char *name ## TypeToString(int type); \
    int name ## TypeFromString(const char *type)

/* "user said nothing" must stay distinct from "user said no": only ABSENT is filled. */
typedef enum {
    VD_TRISTATE_ABSENT = 0,
    VD_TRISTATE_YES,
    VD_TRISTATE_NO,

    VD_TRISTATE_LAST
} vdTristate;
