// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The only exported symbol: ioctl().  The real ioctl is resolved once with
 * dlsym(RTLD_NEXT) (raw syscall if that is impossible), called first, and
 * only a successful RM control (or an XFER_CMD wrapping one) is looked at
 * afterwards.  errno is preserved; a thread-local flag keeps anything the
 * post-processing might call from re-entering it; one mutex serialises
 * the configuration and the remembered mdev UUID (held only for controls
 * the shim handles, never across the real ioctl, and not for PCI info,
 * virtualization mode or migration cap while the configuration is
 * unchanged: see vukp_tls below).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
 * The hot path (PCI info, virtualization mode, migration cap) takes no lock,
 * reads no clock and makes no atomic read-modify-write: each thread keeps
 * its own copy of the main settings, tagged with the generation it was
 * copied at; a thread whose tag differs from vukp_gen re-copies under the
 * lock.  The files are checked outside the hot path by a watcher thread,
 * started at the first handled control (again in a forked child): it
 * stat()s both files every VUKP_RECHECK_NS, reloads a changed one and bumps
 * vukp_gen (about ten stats a second in all, each one to a few
 * microseconds).  If the thread cannot be started, the controls check
 * instead, at most every VUKP_RECHECK_NS, using a coarse clock (a vDSO read,
 * several ns).  vgpu_unlock-rs reads config.toml once only, and reads
 * profile_override.toml on every type-info control (about 100 us).
 */
#define VUKP_RECHECK_NS 100000000LL	/* 100 ms */
#define VUKP_TLS_PCI 16		/* a longer pci_info_map takes the lock */
static long long vukp_checked_main;	/* under vukp_lock */
static long long vukp_checked_prof;	/* under vukp_lock */
static unsigned long vukp_gen;		/* atomic; written under vukp_lock */
static bool vukp_watching;		/* atomic; the watcher runs */
static bool vukp_watch_tried;		/* under vukp_lock */

struct vukp_tls_cfg {
	unsigned long gen;
	struct vukp_main_cfg cfg;
	struct vukp_pci_map pci[VUKP_TLS_PCI];
	struct vukp_pci_memo memo;	/* the last lookup (daemons repeat it) */
};
static __thread struct vukp_tls_cfg vukp_tls
	__attribute__((tls_model("initial-exec"))) = { .gen = ~0UL };

static long long now_coarse(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool due(long long now, long long last)
{
	return !now || !last || now - last >= VUKP_RECHECK_NS;
}

/* Caller holds vukp_lock: copy the main settings into this thread's copy. */
static void tls_copy_locked(void)
{
	const struct vukp_main_cfg *c = &vukp_state.main;

	if (c->n_pci > VUKP_TLS_PCI) {
		vukp_tls.gen = ~0UL;	/* never matches: locked path */
		return;
	}
	vukp_tls.cfg = *c;
	if (c->n_pci)
		memcpy(vukp_tls.pci, c->pci, c->n_pci * sizeof(*c->pci));
	vukp_tls.cfg.pci = vukp_tls.pci;
	vukp_tls.memo.valid = false;
	vukp_tls.cfg.memo = &vukp_tls.memo;
	vukp_tls.gen = __atomic_load_n(&vukp_gen, __ATOMIC_RELAXED);
}

/* Caller holds vukp_lock: stat the files if due; reload on change. */
static void recheck_locked(bool main_file, bool prof_file)
{
	long long now = now_coarse();

	if (main_file && due(now, vukp_checked_main)) {
		vukp_checked_main = now;
		if (vukp_state_refresh_main(&vukp_state)) {
			vukp_state_log_effective(&vukp_state);
			__atomic_store_n(&vukp_gen,
					 __atomic_load_n(&vukp_gen, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELEASE);
		}
	}
	if (prof_file && due(now, vukp_checked_prof)) {
		vukp_checked_prof = now;
		if (vukp_state_refresh_profile(&vukp_state))
			vukp_state_log_effective(&vukp_state);
	}
}

static void *watcher(void *unused)
{
	struct timespec ts = { 0, VUKP_RECHECK_NS };

	(void)unused;
	vukp_in_hook = 1;	/* nothing it calls is interposed */
	for (;;) {
		while (nanosleep(&ts, NULL) && errno == EINTR)
			;
		pthread_mutex_lock(&vukp_lock);
		recheck_locked(true, true);
		pthread_mutex_unlock(&vukp_lock);
	}
	return NULL;
}

/* Caller holds vukp_lock.  Signals stay with the daemon's own threads. */
static void start_watcher_locked(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int err;

	if (vukp_watch_tried)
		return;
	vukp_watch_tried = true;
	if (pthread_attr_init(&attr))
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t, &attr, watcher, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		vukp_warn("cannot start the configuration watcher (%s); the controls check the files instead",
			  strerror(err));
	else
		__atomic_store_n(&vukp_watching, true, __ATOMIC_RELEASE);
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

	if (!vukp_ready) {
		vukp_env_from_process(&env);
		vukp_state_init(&vukp_state, &env);
		vukp_state_log_effective(&vukp_state);
		vukp_checked_main = vukp_checked_prof = now_coarse();
		__atomic_store_n(&vukp_gen, 1, __ATOMIC_RELEASE);
		vukp_ready = true;
	}
}

static void before_fork(void)
{
	pthread_mutex_lock(&vukp_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&vukp_lock);
}

/* The watcher does not survive fork(): the child starts its own. */
static void after_fork_child(void)
{
	vukp_watch_tried = false;
	__atomic_store_n(&vukp_watching, false, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&vukp_lock);
}

__attribute__((constructor)) static void vukp_shim_init(void)
{
	int saved = errno;

	vukp_in_hook = 1;
	resolve_real();
	pthread_atfork(before_fork, after_fork, after_fork_child);
	pthread_mutex_lock(&vukp_lock);
	init_locked();
	pthread_mutex_unlock(&vukp_lock);
	vukp_in_hook = 0;
	errno = saved;
}

/* The NVOS54 of an RM control or of an XFER_CMD wrapping one; or NULL. */
static inline unsigned char *rm_control(unsigned int req, void *arg)
{
	unsigned char *nvos = arg;

	if (req == VUKP_NV_IOCTL_XFER_REQ) {
		uint32_t xcmd, xsize;
		uint64_t ptr;

		memcpy(&xcmd, nvos, 4);
		memcpy(&xsize, nvos + 4, 4);
		memcpy(&ptr, nvos + 8, 8);
		if (xcmd != VUKP_NV_ESC_RM_CONTROL || xsize != VUKP_NVOS54_SIZE || !ptr)
			return NULL;
		nvos = (unsigned char *)(uintptr_t)ptr;
	}
	return nvos;
}

static void handle(unsigned char *nvos, enum vukp_need need)
{
	/* fast path: no lock while this thread's copy is current */
	if (need == VUKP_NEED_MAIN &&
	    __atomic_load_n(&vukp_watching, __ATOMIC_RELAXED) &&
	    vukp_tls.gen == __atomic_load_n(&vukp_gen, __ATOMIC_ACQUIRE) &&
	    !(vukp_rewrite(nvos, &vukp_tls.cfg, NULL, NULL) & VUKP_RW_BADSIZE))
		return;
	pthread_mutex_lock(&vukp_lock);
	init_locked();
	start_watcher_locked();	/* not from the constructor: only in a daemon */
	if (!__atomic_load_n(&vukp_watching, __ATOMIC_RELAXED))
		recheck_locked(need == VUKP_NEED_MAIN, need == VUKP_NEED_PROFILE);
	if (need == VUKP_NEED_MAIN &&
	    vukp_tls.gen != __atomic_load_n(&vukp_gen, __ATOMIC_RELAXED))
		tls_copy_locked();
	vukp_rewrite(nvos, &vukp_state.main, &vukp_state.prof, &vukp_state.rt);
	pthread_mutex_unlock(&vukp_lock);
}

__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...)
{
	vukp_ioctl_fn real = resolve_real();
	unsigned int req = (unsigned int)request;	/* what the kernel sees */
	enum vukp_need need;
	unsigned char *nvos;
	va_list ap;
	uint32_t cmd;
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
	nvos = rm_control(req, arg);
	if (!nvos)
		return ret;
	memcpy(&cmd, nvos + VUKP_NVOS54_CMD, 4);
	need = vukp_rewrite_need(cmd);
	if (need == VUKP_NEED_NONE)
		return ret;	/* the rest: nothing but these reads */

	saved = errno;
	vukp_in_hook = 1;
	handle(nvos, need);
	vukp_in_hook = 0;
	errno = saved;
	return ret;
}
