/*
 * vdenum.c: enum <-> string tables
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "util/vdenum.h"

int
vdEnumFromString(const char * const *types,
                 unsigned int ntypes,
                 const char *type)
{
    unsigned int i;

    if (!type)
        return -1;
    for (i = 0; i < ntypes; i++) {
        if (g_str_equal(types[i], type))
            return i;
    }
    return -1;
}


const char *
vdEnumToString(const char * const *types,
               unsigned int ntypes,
               int type)
{
    if (type < 0 || (unsigned int)type >= ntypes)
        return NULL;
    return types[type];
}
