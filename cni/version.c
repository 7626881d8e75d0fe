// SPDX-License-Identifier: GPL-2.0
/* The CNI spec versions nfbridge supports, and how they compare. */
#include "cni/version.h"

#include <stdio.h>
#include <string.h>

const char *const cni_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0",
				    "1.1.0"};
const size_t cni_n_versions = sizeof(cni_versions) / sizeof(cni_versions[0]);

bool cni_version_supported(const char *v)
{
	if (!v)
		return false;
	for (size_t i = 0; i < cni_n_versions; i++)
		if (strcmp(v, cni_versions[i]) == 0)
			return true;
	return false;
}

/* Split "1.2.3" into three numbers; false if v is not such a string. */
static bool version_split(const char *v, unsigned int out[3])
{
	int end = 0;

	if (!v || sscanf(v, "%u.%u.%u%n", &out[0], &out[1], &out[2], &end) != 3)
		return false;
	return v[end] == '\0';
}

int cni_version_cmp(const char *a, const char *b)
{
	unsigned int va[3], vb[3];
	bool oka = version_split(a, va), okb = version_split(b, vb);

	if (!oka || !okb)
		return (int)oka - (int)okb;
	for (int i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}
