// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The only exported symbol: ioctl().  The real ioctl is resolved once with
 * dlsym(RTLD_NEXT) (raw syscall if that is impossible), called first, and
 * only a successful RM control (or an XFER_CMD wrapping one) is looked at
 * afterwards.  errno is preserved; a thread-local flag keeps anything the
 * post-processing might call from re-entering it; one mutex serialises
 * the configuration and the remembered mdev UUID (held only for controls
 * the shim handles, never across the real ioctl).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"
#include "vukp_nvabi.h"

typedef int (*vukp_ioctl_fn)(int fd, unsigned long request, ...);

static vukp_ioctl_fn vukp_real_ioctl;
static pthread_mutex_t vukp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vukp_state vukp_state;
static bool vukp_ready;
static __thread int vukp_in_hook __attribute__((tls_model("initial-exec")));

/*
 * config.toml is stat()ed at most every VUKP_RECHECK_NS: a stat costs
 * microseconds, several times the rest of a handled control, and PCI-info
 * and vmode controls are frequent (docs/performance.md).  vgpu_unlock-rs
 * reads config.toml once only.  The override file is checked on every
 * type-info control instead (rare).  Under vukp_lock.
 */
#define VUKP_RECHECK_NS 250000000LL
static long long vukp_checked_main;

static bool recheck_due(long long *last)
{
	struct timespec ts;
	long long now;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return true;
	now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (*last && now - *last < VUKP_RECHECK_NS)
		return false;
	*last = now;
	return true;
}

static vukp_ioctl_fn resolve_real(void)
{
	vukp_ioctl_fn fn = __atomic_load_n(&vukp_real_ioctl, __ATOMIC_ACQUIRE);

	if (!fn) {
		void *sym = dlsym(RTLD_NEXT, "ioctl");

		memcpy(&fn, &sym, sizeof(fn));
		if (fn)
			__atomic_store_n(&vukp_real_ioctl, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

/* Caller holds vukp_lock. */
static void init_locked(void)
{
	struct vukp_env env;

	if (vukp_ready)
		return;
	vukp_env_from_process(&env);
	vukp_state_init(&vukp_state, &env);
	vukp_state_log_effective(&vukp_state);
	vukp_ready = true;
}

static void before_fork(void)
{
	pthread_mutex_lock(&vukp_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&vukp_lock);
}

__attribute__((constructor)) static void vukp_shim_init(void)
{
	int saved = errno;

	vukp_in_hook = 1;
	resolve_real();
	pthread_atfork(before_fork, after_fork, after_fork);
	pthread_mutex_lock(&vukp_lock);
	init_locked();
	pthread_mutex_unlock(&vukp_lock);
	vukp_in_hook = 0;
	errno = saved;
}

static void handle(unsigned int req, void *arg)
{
	unsigned char *nvos = arg;
	enum vukp_need need;
	uint32_t cmd;

	if (req == VUKP_NV_IOCTL_XFER_REQ) {
		uint32_t xcmd, xsize;
		uint64_t ptr;

		memcpy(&xcmd, nvos, 4);
		memcpy(&xsize, nvos + 4, 4);
		memcpy(&ptr, nvos + 8, 8);
		if (xcmd != VUKP_NV_ESC_RM_CONTROL || xsize != VUKP_NVOS54_SIZE || !ptr)
			return;
		nvos = (unsigned char *)(uintptr_t)ptr;
	}
	memcpy(&cmd, nvos + VUKP_NVOS54_CMD, 4);
	need = vukp_rewrite_need(cmd);
	if (need == VUKP_NEED_NONE)
		return;
	pthread_mutex_lock(&vukp_lock);
	init_locked();
	if (need == VUKP_NEED_MAIN && recheck_due(&vukp_checked_main) &&
	    vukp_state_refresh_main(&vukp_state))
		vukp_state_log_effective(&vukp_state);
	/*
	 * The override file is checked on every type-info control (a few per
	 * VM start): vgpu_unlock-rs reads it on each, so a change must show
	 * at the very next one.
	 */
	if (need == VUKP_NEED_PROFILE && vukp_state_refresh_profile(&vukp_state))
		vukp_state_log_effective(&vukp_state);
	vukp_rewrite(nvos, &vukp_state.main, &vukp_state.prof, &vukp_state.rt);
	pthread_mutex_unlock(&vukp_lock);
}

__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...)
{
	vukp_ioctl_fn real = resolve_real();
	unsigned int req = (unsigned int)request;	/* what the kernel sees */
	va_list ap;
	void *arg;
	int ret, saved;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (real)
		ret = real(fd, request, arg);
	else
		ret = (int)syscall(SYS_ioctl, fd, request, arg);

	if (ret < 0 || !arg || vukp_in_hook ||
	    (req != VUKP_NV_RM_CONTROL_REQ && req != VUKP_NV_IOCTL_XFER_REQ))
		return ret;

	saved = errno;
	vukp_in_hook = 1;
	handle(req, arg);
	vukp_in_hook = 0;
	errno = saved;
	return ret;
}
