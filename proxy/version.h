/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_PROXY_VERSION_H
#define NFP_PROXY_VERSION_H

#define NFP_VERSION "0.1.0"

#endif
