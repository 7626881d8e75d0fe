// SPDX-License-Identifier: GPL-2.0
#include "proxy/snapshot.h"
#include "util/xalloc.h"
#include "watch/decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_all(FILE *f, char **out, size_t *out_len)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = xmalloc(cap);

	for (;;) {
		size_t n;

		if (len == cap) {
			if (cap >= (size_t)SNAPSHOT_MAX_BYTES) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int snapshot_load(const char *path, struct k8s_cluster *c,
		  struct diag_list *diags)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t len = 0;
	char *buf;
	int ret;

	if (!f)
		return -errno;
	ret = read_all(f, &buf, &len);
	if (!is_stdin)
		fclose(f);
	if (ret)
		return ret;
	ret = k8s_decode_stream(buf, len, c, diags);
	free(buf);
	return ret;
}
