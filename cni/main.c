// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the nfbridge plugin lands (issue: node network). */
#include <stdio.h>

int main(void)
{
	printf("{\"cniVersion\":\"1.1.0\",\"code\":4,\"msg\":\"nfbridge: not built yet\"}\n");
	return 1;
}
