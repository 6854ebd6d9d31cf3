// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * One line per message, written to stderr with a single write(2) so lines
 * from concurrent threads do not interleave.  Control characters (which a
 * configuration string may carry) are replaced.  errno is preserved.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

bool vukp_log_debug;
static vukp_log_sink_fn vukp_log_sink;

void vukp_log_set_sink(vukp_log_sink_fn fn)
{
	vukp_log_sink = fn;
}

void vukp_log(enum vukp_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	int saved = errno;
	char buf[1024];
	size_t n, i, start;
	va_list ap;
	int r;

	r = snprintf(buf, sizeof(buf), "vgpu_unlock_kp-shim[%d]: %s",
		     (int)getpid(), tag[level]);
	start = r > 0 ? (size_t)r : 0;
	va_start(ap, fmt);
	r = vsnprintf(buf + start, sizeof(buf) - start, fmt, ap);
	va_end(ap);
	if (r < 0)
		r = 0;
	n = start + (size_t)r;
	if (n > sizeof(buf) - 5) {
		n = sizeof(buf) - 5;
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	for (i = start; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			buf[i] = '?';
	}
	buf[n++] = '\n';
	buf[n] = '\0';

	if (vukp_log_sink) {
		vukp_log_sink(level, buf);
	} else {
		const char *p = buf;

		while (n > 0) {
			ssize_t w = write(STDERR_FILENO, p, n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			n -= (size_t)w;
		}
	}
	errno = saved;
}
