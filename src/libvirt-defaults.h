/*
 * libvirt-defaults.h: the public API of libvirt-defaults
 *
 * A libvirt driver calls vdDefaultsComplete() with the document of every
 * definition it parses, before its own parser sees it, and the context it is
 * in; the document comes back completed, or an error names what could not be
 * completed.  Tools that hold text call vdDefaultsApply().
 *
 * Thread safety: a vdDefaults is read-only once created, and every function
 * may be called on it from many threads at once.  No function changes
 * libxml2's process-wide state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Errors are GErrors in this domain. */
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

typedef struct _vdDefaults vdDefaults;

/* Where a definition comes from; see docs/generations.rst. */
typedef enum {
    VD_CONTEXT_NEW,       /* define of a new name, create of a transient domain */
    VD_CONTEXT_UPDATE,    /* define over an existing definition, edit */
    VD_CONTEXT_LOAD,      /* daemon start re-reading its configuration */
    VD_CONTEXT_MIGRATE,   /* incoming migration */
    VD_CONTEXT_RESTORE,   /* restore of a saved image, snapshot revert */
    VD_CONTEXT_UPGRADE,   /* explicit move to a newer generation */
    VD_CONTEXT_PARSE,     /* any other parse: what libvirt re-applies on every parse */

    VD_CONTEXT_LAST
} vdContext;

const char *vdContextToString(vdContext ctx);
int vdContextFromString(const char *str);

vdDefaults *vdDefaultsNew(GError **error);

/**
 * vdDefaultsNewForEmulator:
 * @defaults: the loaded table
 * @qemuCaps: libvirt's capabilities of one QEMU binary, as libvirt formats them in
 *            its capabilities cache (<qemuCaps>)
 * @len: the length of @qemuCaps, or -1 if it is NUL-terminated
 * @error: set on failure
 *
 * Returns the defaults for guests of that emulator: the table of @defaults, with the
 * emulator's machine types and capabilities in place of the built-in QEMU 7.2 profile
 * for the architectures it serves.  A driver keeps one per emulator binary.  It holds
 * a reference on @defaults, so either may be freed first.  Free with vdDefaultsFree().
 */
vdDefaults *vdDefaultsNewForEmulator(vdDefaults *defaults,
                                     const char *qemuCaps,
                                     gssize len,
                                     GError **error);
void vdDefaultsFree(vdDefaults *defaults);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdDefaults, vdDefaultsFree);

unsigned int vdDefaultsCurrentGeneration(const vdDefaults *defaults);
gboolean vdDefaultsHasGeneration(const vdDefaults *defaults, unsigned int generation);

/**
 * vdDefaultsStampedGeneration:
 * @domain: a <domain> element
 * @stamped: if not NULL, set to whether the definition carries a stamp
 *
 * Returns the generation the definition is stamped with (1 when it has no
 * stamp), or 0 if the stamp is malformed.
 */
unsigned int vdDefaultsStampedGeneration(xmlNodePtr domain, gboolean *stamped);

typedef enum {
    /* VD_CONTEXT_NEW: a stamp in the definition decides its generation, and
     * @generation only applies to an unstamped definition */
    VD_DEFAULTS_KEEP_STAMP = 1 << 0,
    /* leave the stamp out of a completed definition, which then reads as an
     * unstamped one of generation 1 (for audits and libvirt's own test suites) */
    VD_DEFAULTS_NO_STAMP = 1 << 1,
    /* the definition is a running guest's (libvirt parses it without
     * VIR_DOMAIN_DEF_PARSE_INACTIVE): the runtime state a stored definition drops
     * (pty paths, vnet names, channel states and socket paths) is kept */
    VD_DEFAULTS_LIVE = 1 << 2,
} vdDefaultsFlags;

/* The settings of the host's libvirt that some defaults consult.  Zeroed, they are
 * libvirt's own defaults; the QEMU driver fills them from qemu.conf and its
 * environment at every parse. */
typedef struct {
    const char *channelTargetDir;  /* channel_target_dir; NULL: /var/lib/libvirt/qemu/channel/target */
    gboolean vncAllowHostAudio;    /* vnc_allow_host_audio */
    gboolean nogfxAllowHostAudio;  /* nogfx_allow_host_audio */
    const char *audioDriver;       /* QEMU_AUDIO_DRV, or NULL when unset */
    const char *sdlAudioDriver;    /* SDL_AUDIODRIVER, or NULL when unset */
} vdHostSettings;

/**
 * vdDefaultsComplete:
 * @defaults: the loaded table
 * @domain: the <domain> element of a parsed document
 * @stored: for VD_CONTEXT_UPDATE, the existing definition; for
 *          VD_CONTEXT_UPGRADE, optionally the existing definition when @domain is
 *          its owner's new text; NULL otherwise
 * @ctx: the context of the call
 * @generation: as for vdDefaultsApply()
 * @flags: vdDefaultsFlags
 * @warnings: if not NULL, set to a NULL-terminated list of what the call found
 *            and kept (free with g_strfreev())
 * @error: set on failure
 *
 * Completes the document that holds @domain in place: for VD_CONTEXT_NEW,
 * VD_CONTEXT_UPDATE and VD_CONTEXT_UPGRADE @domain must be its root element,
 * and the element itself stays (only what is below it changes).
 * VD_CONTEXT_LOAD, VD_CONTEXT_MIGRATE and VD_CONTEXT_RESTORE change nothing
 * the definition has; devices its stamped generation adds and it lacks are
 * added, as libvirt adds its own implicit devices on every parse (libvirt's
 * migratable XML leaves them out).  They may be given an element inside a
 * larger document (a snapshot, a migration cookie).  VD_CONTEXT_PARSE fills in
 * what the definition's generation supplies on every parse, as libvirt does for a
 * parse that is no define (what only new definitions get is left out), and
 * checks nothing.  On failure the document may have been partly changed.
 *
 * Returns TRUE on success, FALSE with @error set.
 */
gboolean vdDefaultsComplete(vdDefaults *defaults,
                            xmlNodePtr domain,
                            xmlDocPtr stored,
                            vdContext ctx,
                            unsigned int generation,
                            unsigned int flags,
                            char ***warnings,
                            GError **error);

/**
 * vdDefaultsCompleteHost:
 * @host: the host's settings, or NULL for libvirt's defaults
 *
 * vdDefaultsComplete() on a host whose libvirt is configured as @host says.
 */
gboolean vdDefaultsCompleteHost(vdDefaults *defaults,
                                xmlNodePtr domain,
                                xmlDocPtr stored,
                                vdContext ctx,
                                unsigned int generation,
                                unsigned int flags,
                                const vdHostSettings *host,
                                char ***warnings,
                                GError **error);

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
