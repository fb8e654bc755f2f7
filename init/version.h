/* SPDX-License-Identifier: MIT */
#ifndef MEMINIT_INIT_VERSION_H
#define MEMINIT_INIT_VERSION_H

#define MEMINIT_VERSION "0.1.0"

#endif
