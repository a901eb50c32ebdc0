/*
 * libvirt-defaults.h: the public API of libvirt-defaults
 *
 * A libvirt driver calls vdDefaultsApply() from its post-parse step with the
 * definition it was handed and the context it is in; what comes back is the
 * completed definition, or an error that names what could not be completed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _vdDefaults vdDefaults;

/* Where a definition comes from; see docs/generations.rst. */
typedef enum {
    VD_CONTEXT_NEW,       /* define of a new name, create of a transient domain */
    VD_CONTEXT_UPDATE,    /* define over an existing definition, edit */
    VD_CONTEXT_LOAD,      /* daemon start re-reading its configuration */
    VD_CONTEXT_MIGRATE,   /* incoming migration */
    VD_CONTEXT_RESTORE,   /* restore of a saved image, snapshot revert */
    VD_CONTEXT_UPGRADE,   /* explicit move to a newer generation */

    VD_CONTEXT_LAST
} vdContext;

const char *vdContextToString(vdContext ctx);
int vdContextFromString(const char *str);

vdDefaults *vdDefaultsNew(GError **error);
void vdDefaultsFree(vdDefaults *defaults);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdDefaults, vdDefaultsFree);

unsigned int vdDefaultsCurrentGeneration(const vdDefaults *defaults);

/**
 * vdDefaultsApply:
 * @defaults: the loaded table
 * @xml: the domain definition (NUL-terminated)
 * @storedXML: for VD_CONTEXT_UPDATE, the existing definition; NULL otherwise
 * @ctx: the context of the call
 * @generation: for VD_CONTEXT_NEW, the generation to use (0: the stamp's, or the
 *              table's current one); for VD_CONTEXT_UPGRADE, the target (0: current)
 * @warnings: if not NULL, set to a NULL-terminated list of what a reload found
 *            different (free with g_strfreev())
 * @error: set on failure
 *
 * Returns the completed definition (free with g_free()), or NULL with @error set.
 * VD_CONTEXT_LOAD, VD_CONTEXT_MIGRATE and VD_CONTEXT_RESTORE return the definition
 * unchanged; migrate and restore fail if the stamped generation would change its ABI.
 */
char *vdDefaultsApply(vdDefaults *defaults,
                      const char *xml,
                      const char *storedXML,
                      vdContext ctx,
                      unsigned int generation,
                      char ***warnings,
                      GError **error);

G_END_DECLS
