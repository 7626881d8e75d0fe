// SPDX-License-Identifier: GPL-2.0
/*
 * nfbridge: kube-nfproxy's bridge CNI plugin. Reads CNI_* from the
 * environment and the network configuration from stdin, runs the command
 * and prints its result, or the spec's error object, on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/cmd.h"
#include "cni/config.h"
#include "cni/result.h"
#include "cni/version.h"
#include "util/strbuf.h"

#define STDIN_CHUNK 4096
#define STDIN_MAX (16 << 20) /* a configuration is a few KiB */

static int read_stdin(struct strbuf *sb)
{
	char buf[STDIN_CHUNK];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (sb->len + (size_t)n > STDIN_MAX)
			return -EFBIG;
		strbuf_add(sb, buf, (size_t)n);
	}
}

static int print(const char *text)
{
	if (text && fputs(text, stdout) == EOF)
		return -EIO;
	return fflush(stdout) == EOF ? -EIO : 0;
}

/* Print err (in the configuration's version when it could be read) and
 * return the process's exit code. */
static int fail(const struct cni_error *err, const char *version)
{
	char *text =
		cni_error_json(err, version ? version : CNI_VERSION_LATEST);

	print(text);
	free(text);
	return EXIT_FAILURE;
}

static int run(const struct cni_env *env, const struct strbuf *in,
	       struct cni_error *err)
{
	const struct cni_cmd *cmd = cni_cmd_find(env->command);
	struct cni_config cfg;
	char *out = NULL;
	int ret;

	if (!cmd)
		return cni_error_set(
			err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND \"%s\" is not one of ADD, DEL, CHECK, STATUS, GC, VERSION",
			env->command ? env->command : "");
	ret = cni_config_parse(in->buf, in->len, &cfg, err);
	if (ret == 0 && cni_version_cmp(cfg.version, cmd->min_version) < 0)
		ret = cni_error_set(
			err, CNI_ERR_INCOMPATIBLE_VERSION,
			"%s needs cniVersion %s or newer, the configuration has %s",
			cmd->name, cmd->min_version, cfg.version);
	if (ret == 0)
		ret = cmd->run(env, &cfg, &out, err);
	if (ret == 0 && print(out) < 0)
		ret = cni_error_set(err, CNI_ERR_IO, "cannot write the result");
	free(out);
	cni_config_clear(&cfg);
	return ret;
}

int main(void)
{
	struct cni_env env = {
		.command = getenv("CNI_COMMAND"),
		.container_id = getenv("CNI_CONTAINERID"),
		.netns = getenv("CNI_NETNS"),
		.ifname = getenv("CNI_IFNAME"),
		.args = getenv("CNI_ARGS"),
		.path = getenv("CNI_PATH"),
	};
	struct cni_error err = {0};
	struct strbuf in = {0};
	char *version = NULL;
	int ret, code = EXIT_SUCCESS;

	ret = read_stdin(&in);
	strbuf_add(&in, "", 0);
	if (ret < 0) {
		cni_error_set(
			&err, CNI_ERR_IO,
			"cannot read the network configuration from stdin: %s",
			strerror(-ret));
		code = fail(&err, NULL);
		goto out;
	}
	version = cni_config_peek_version(in.buf, in.len);
	if (env.command && strcmp(env.command, "VERSION") == 0) {
		char *text = cni_version_json(version ? version
						      : CNI_VERSION_LATEST);

		if (print(text) < 0)
			code = EXIT_FAILURE;
		free(text);
		goto out;
	}
	if (run(&env, &in, &err) < 0)
		code = fail(&err, version);
out:
	free(version);
	cni_error_clear(&err);
	strbuf_release(&in);
	return code;
}
