# SPDX-License-Identifier: GPL-2.0
"""The test API server of kube-nfproxy, as a package (see ../README.md)."""
