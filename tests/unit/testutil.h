/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFP_TESTS_TESTUTIL_H
#define NFP_TESTS_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a whole file (golden files, fixtures); owned by the caller. */
static inline char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * Compare text with a golden file. With UPDATE_GOLDEN=1 in the environment
 * the golden file is rewritten instead (review the diff before committing).
 */
static inline void test_golden(const char *path, const char *text)
{
	char *want;
	int same;

	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");

		ck_assert_msg(f != NULL, "cannot write %s", path);
		fputs(text, f);
		fclose(f);
		return;
	}
	want = test_read_file(path);
	same = strcmp(want, text) == 0;
	free(want);
	if (!same) {
		FILE *f = fopen("build/golden.actual", "wb");

		if (f) {
			fputs(text, f);
			fclose(f);
		}
		ck_abort_msg(
			"output differs from %s (actual in build/golden.actual)",
			path);
	}
}

/* Run one suite; returns the process exit code. */
static inline int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
