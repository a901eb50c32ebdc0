/*
 * vdhost.h: the settings of the host's libvirt that some defaults consult
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>

/* qemu.conf and the daemon's environment, as vdHostSettings in the public header
 * gives them; NULL or false: libvirt's own defaults. */
typedef struct {
    const char *channelTargetDir;
    bool vncAllowHostAudio;
    bool nogfxAllowHostAudio;
    const char *audioDriver;       /* QEMU_AUDIO_DRV */
    const char *sdlAudioDriver;    /* SDL_AUDIODRIVER */
} vdEngineHost;
