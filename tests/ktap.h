/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * KTAP version 1 output for the C test programs: the C twin of
 * tests/selftests/lib.sh, counting the same way (a SKIP is neither passed
 * nor failed).
 *
 *   ktap_start();                           "KTAP version 1"
 *   ktap_result(ok, "fmt", ...);            "ok N - ..." / "not ok N - ..."
 *   ktap_skip("reason", "fmt", ...);        "ok N - ... # SKIP reason"
 *   ktap_diag("fmt", ...);                  "# ..."
 *   return ktap_finish();                   plan "1..N", a "# N passed, M failed,
 *                                           K skipped" comment; 1 if any failed
 *
 * The wrapper scripts (tests/host/run.sh, tests/shim/run-check.sh) nest these
 * documents and print the suite's one "N passed, M failed" line.
 */
#ifndef VUKP_TESTS_KTAP_H
#define VUKP_TESTS_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int ktap_n, ktap_failed, ktap_skipped;

static inline void ktap_start(void)
{
	printf("KTAP version 1\n");
}

static inline void ktap_vline(const char *pre, const char *fmt, va_list ap)
{
	printf("%s", pre);
	vprintf(fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static inline int ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	if (!ok)
		ktap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", ktap_n);
	va_start(ap, fmt);
	ktap_vline("", fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

__attribute__((format(printf, 2, 3)))
static inline void ktap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	ktap_skipped++;
	printf("ok %d - ", ktap_n);
	va_start(ap, fmt);
	ktap_vline("", fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

__attribute__((format(printf, 1, 2)))
static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline("# ", fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int ktap_finish(void)
{
	printf("1..%d\n", ktap_n);
	printf("# %d passed, %d failed, %d skipped\n",
	       ktap_n - ktap_failed - ktap_skipped, ktap_failed, ktap_skipped);
	fflush(stdout);
	return ktap_failed != 0;
}

#endif
