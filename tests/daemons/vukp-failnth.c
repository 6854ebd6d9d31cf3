// SPDX-License-Identifier: GPL-2.0
/*
 * vukp-failnth: load a module with the N-th fault-injection point of the
 * loading task failed (Documentation/fault-injection/fault-injection.rst,
 * /proc/<pid>/fail-nth).  The counter belongs to the task and is reset by
 * fork, so the write and finit_module() must be done by one process.
 *   vukp-failnth N MODULE.ko [PARAMS]
 * Prints "rc=R errno=E (TEXT) injected=yes|no checks=C" and exits 0 (C: the
 * fault-injection points the call passed, when nothing was injected); exits 2
 * when fail-nth is not available (kernel without CONFIG_FAULT_INJECTION).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *params = argc > 3 ? argv[3] : "";
	char buf[32];
	int fd, fn, rc, err;
	long nth, left;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: vukp-failnth N MODULE.ko [PARAMS]\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vukp-failnth: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	fn = open("/proc/self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fn < 0) {
		fprintf(stderr, "vukp-failnth: /proc/self/fail-nth: %s\n", strerror(errno));
		return 2;
	}
	nth = atol(argv[1]);
	n = snprintf(buf, sizeof(buf), "%ld", nth);
	if (write(fn, buf, n) != n) {
		fprintf(stderr, "vukp-failnth: write fail-nth: %s\n", strerror(errno));
		return 2;
	}
	rc = syscall(SYS_finit_module, fd, params, 0);
	err = rc ? errno : 0;
	/* 0: the fault was injected; N > 0: the call made fewer than N checks */
	n = pread(fn, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		fprintf(stderr, "vukp-failnth: read fail-nth: %s\n", strerror(errno));
		return 2;
	}
	buf[n] = '\0';
	left = atol(buf);
	if (write(fn, "0", 1) != 1)
		return 2;
	printf("rc=%d errno=%d (%s) injected=%s checks=%ld\n", rc, err,
	       err ? strerror(err) : "ok", left == 0 ? "yes" : "no", left ? nth - left : nth);
	return 0;
}
