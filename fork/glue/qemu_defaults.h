/*
 * qemu_defaults.h: the QEMU driver's use of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "internal.h"
#include "qemu_conf.h"
#include "virxml.h"

int qemuDefaultsParseXML(xmlXPathContextPtr ctxt,
                         unsigned int parseFlags,
                         void *opaque,
                         void *parseOpaque);

int qemuDefaultsParsed(const virDomainDef *def,
                       unsigned int parseFlags,
                       void *opaque,
                       void *parseOpaque);

bool qemuDefaultsEngineOnly(virQEMUDriver *driver,
                            unsigned int parseFlags);
