// SPDX-License-Identifier: GPL-2.0
/*
 * exitcode: end the QEMU guest with a verdict through isa-debug-exit.
 * Usage: exitcode VALUE   (0 pass, 1 fail, 2 setup failed)
 * QEMU exits with (VALUE << 1) | 1. Needs CONFIG_X86_IOPL_IOPERM and no
 * lockdown. Built static: it runs before/without the dynamic loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#define VUKP_DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned long v;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VALUE\n", argv[0]);
		return 2;
	}
	v = strtoul(argv[1], NULL, 0);
	if (ioperm(VUKP_DEBUG_EXIT_PORT, 4, 1)) {
		perror("exitcode: ioperm(0xf4)");
		return 1;
	}
	/* Let the console drain first, or QEMU exits before the last lines. */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	tcdrain(STDERR_FILENO);
	outl((unsigned int)v, VUKP_DEBUG_EXIT_PORT);
	/* Only reached without an isa-debug-exit device. */
	fprintf(stderr, "exitcode: no isa-debug-exit device at 0xf4\n");
	return 1;
}
