// SPDX-License-Identifier: GPL-2.0
/*
 * vukp-stress: RM controls and vGPU starts on every GPU from several
 * threads while vgpu_unlock_kp is loaded and unloaded in a loop and nvidia
 * is removed and reinserted (tests/selftests/50-stress.sh).
 *   vukp-stress -d SECONDS -m vgpu_unlock_kp.ko -n nvidia.ko [-w WORKERS]
 *               [-i NVIDIA_INTERVAL_MS] [-M]
 *   -M keeps vgpu_unlock_kp loaded (no module cycles; see 50-stress.sh)
 * Invariants checked while it runs (each violation is an error):
 *   - PCI_INFO returns each GPU's real ids, the virtualization mode is
 *     HOST exactly on the native boards (no shim here);
 *   - GET_TYPE_INFO either finds the type or says OBJECT_NOT_FOUND;
 *   - a vGPU start on a native board always succeeds, on a consumer GPU it
 *     succeeds or fails with NOT_SUPPORTED (0x56), nothing else;
 *   - after every unload of vgpu_unlock_kp the table checksum equals the
 *     one nvidia had when it was loaded;
 *   - every module load and unload succeeds.
 * nvidia cannot go while a file of it is open (the module is pinned), so
 * workers hold a read lock while they have nvidia's nodes open and the
 * nvidia cycle takes it for writing; vgpu_unlock_kp cycles run free.
 * Prints "# ops: N controls, M vGPU starts, K module cycles, J nvidia
 * cycles" and details; exit status 1 if any invariant was violated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "nvrm.h"
#include "../../include/vukp_nvabi.h"

#define MAX_WORKERS 8
#define MAX_GPUS 8

static const char *kp_ko, *nv_ko;
static int kp_keep;	/* -M: load vgpu_unlock_kp once, no module cycles */
static struct nv_env env;		/* layout sizes; fds are per worker */
static uint16_t gpu_dev[MAX_GPUS];	/* real device ids, read at start */
static int ngpus;
static atomic_int stop;
static pthread_rwlock_t nv_rw;		/* read: nvidia files open */
static pthread_mutex_t ck_lock = PTHREAD_MUTEX_INITIALIZER;
static char ck_pristine[64];		/* checksum of the loaded instance */
static int nv_present = 1;

static atomic_ulong n_ctrl, n_start, n_start_ok, n_start_refused,
	n_native_ok, n_kp_cycles, n_nv_cycles, n_status, n_ck, n_err;

static void failure(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&n_err, 1) >= 20)
		return;
	va_start(ap, fmt);
	fputs("# stress error: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return rc;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static int read_checksum(char *out, size_t len)
{
	FILE *f = fopen("/proc/driver/nvidia-mock/checksum", "r");
	int ok = f && fgets(out, len, f);

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static long ctrl(int ctl, uint32_t h_client, uint32_t h_obj, uint32_t cmd,
		 void *p, uint32_t size)
{
	struct nv_env e = env;

	e.ctl = ctl;
	atomic_fetch_add(&n_ctrl, 1);
	return nv_control_raw(&e, h_client, h_obj, cmd, p, size);
}

static int is_native(int g)
{
	return nv_is_vgpu_board(gpu_dev[g]);
}

/* The vGPU types a GPU is started with: its own board's, or the target's. */
static const char *const p40_types[] = { "GRID P40-1Q", "GRID P40-24Q", "GRID P40-12C" };
static const char *const rtx_types[] = { "GRID RTX6000-1Q", "GRID RTX6000-24Q", "GRID RTX6000-24A" };

static void pick_type(int g, unsigned int r, struct nv_type *t)
{
	const char *name = gpu_dev[g] == 0x1e07 ?
		rtx_types[r % (sizeof(rtx_types) / sizeof(rtx_types[0]))] :
		p40_types[r % (sizeof(p40_types) / sizeof(p40_types[0]))];

	nv_type_lookup(name, t);
}

static long register_type(int ctl, int g, const struct nv_type *t)
{
	size_t psize = VUKP_SET_INFO_SIZE(env.info_size);
	uint8_t *p = calloc(1, psize);
	long st;

	if (!p)
		return -1;
	nv_fill_type_info(&env, t, p + 8);
	st = ctrl(ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, env.gpus[g].minor),
		  VUKP_CMD_VGPU_CONFIG_SET_INFO, p, psize);
	free(p);
	return st;
}

/* One vGPU start: create the device, then initialise the instance. */
static void vgpu_start(int ctl, int w, int g, unsigned int r)
{
	struct nv_gpu *gp = &env.gpus[g];
	uint8_t create[40], notify[MOCK_NOTIFY_START_SIZE];
	struct nv_type t;
	long st;

	pick_type(g, r, &t);
	memset(create, 0, sizeof(create));
	create[0] = 0x5e;
	create[1] = (uint8_t)w;
	create[2] = (uint8_t)g;
	put32(create + VUKP_CREATE_DEVICE_GPU_PCI_ID, gp->bus << 8 | gp->dev << 3 | gp->fn);
	put32(create + VUKP_CREATE_DEVICE_VGPU_TYPE_ID, t.id);
	st = ctrl(ctl, MOCK_CLIENT, MOCK_CLIENT, VUKP_CMD_VGPU_CREATE_DEVICE, create,
		  env.create_size);
	if (st == VUKP_NV_ERR_OBJECT_NOT_FOUND) {	/* type not registered yet */
		st = register_type(ctl, g, &t);
		if (st) {
			failure("%s: SET_INFO %s: 0x%lx", gp->bdf, t.name, st);
			return;
		}
		put32(create + VUKP_CREATE_DEVICE_VGPU_TYPE_ID, t.id);
		st = ctrl(ctl, MOCK_CLIENT, MOCK_CLIENT, VUKP_CMD_VGPU_CREATE_DEVICE,
			  create, env.create_size);
	}
	if (st) {
		failure("%s: CREATE_DEVICE %s: 0x%lx", gp->bdf, t.name, st);
		return;
	}
	memset(notify, 0, sizeof(notify));
	memcpy(notify, create, 16);
	st = ctrl(ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, gp->minor),
		  VUKP_CMD_VGPU_CONFIG_NOTIFY_START, notify, sizeof(notify));
	atomic_fetch_add(&n_start, 1);
	if (is_native(g)) {
		if (st)
			failure("%s: native board: start of %s failed: 0x%lx", gp->bdf, t.name, st);
		else
			atomic_fetch_add(&n_native_ok, 1);
	} else if (st == VUKP_NV_OK) {
		atomic_fetch_add(&n_start_ok, 1);
	} else if (st == VUKP_NV_ERR_NOT_SUPPORTED) {
		atomic_fetch_add(&n_start_refused, 1);
	} else {
		failure("%s: start of %s: unexpected status 0x%lx", gp->bdf, t.name, st);
	}
}

static void one_op(int ctl, int w, unsigned int r)
{
	int g = r % ngpus, minor = env.gpus[g].minor;
	uint8_t p[VUKP_TYPE_INFO_WRAPPER + 5432];
	struct nv_type t;
	long st;

	switch ((r >> 8) % 4) {
	case 0:
		memset(p, 0, 16);
		st = ctrl(ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, minor),
			  VUKP_CMD_BUS_GET_PCI_INFO, p, 16);
		if (st || get32(p) >> 16 != gpu_dev[g])
			failure("%s: PCI_INFO status 0x%lx device %04x, want %04x",
			      env.gpus[g].bdf, st, get32(p) >> 16, gpu_dev[g]);
		break;
	case 1:
		memset(p, 0, 8);
		st = ctrl(ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_DEVICE, minor),
			  VUKP_CMD_GET_VIRTUALIZATION_MODE, p, env.vmode_size);
		if (st || (get32(p) == VUKP_VIRT_MODE_HOST) != is_native(g))
			failure("%s: virtualization mode status 0x%lx mode %u",
			      env.gpus[g].bdf, st, get32(p));
		break;
	case 2:
		pick_type(g, r >> 12, &t);
		memset(p, 0, sizeof(p));
		put32(p, t.id);
		st = ctrl(ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_VGPU_CONFIG, minor),
			  VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO, p,
			  VUKP_TYPE_INFO_WRAPPER + env.info_size);
		if (st && st != VUKP_NV_ERR_OBJECT_NOT_FOUND)
			failure("%s: GET_TYPE_INFO status 0x%lx", env.gpus[g].bdf, st);
		break;
	default:
		vgpu_start(ctl, w, g, r >> 12);
		break;
	}
}

static void *worker(void *arg)
{
	int w = (int)(long)arg;
	unsigned int seed = 0x5eed + w;

	while (!atomic_load(&stop)) {
		int ctl, fds[MAX_GPUS], i;

		pthread_rwlock_rdlock(&nv_rw);
		ctl = open("/dev/nvidiactl", O_RDWR | O_CLOEXEC);
		if (ctl < 0) {
			pthread_rwlock_unlock(&nv_rw);
			sleep_ms(5);
			continue;
		}
		for (i = 0; i < ngpus; i++)	/* as the daemons do */
			fds[i] = nv_open_gpu(&env.gpus[i]);
		for (i = 0; i < 16 && !atomic_load(&stop); i++)
			one_op(ctl, w, rand_r(&seed));
		for (i = 0; i < ngpus; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		close(ctl);
		pthread_rwlock_unlock(&nv_rw);
	}
	return NULL;
}

/* vgpu_unlock_kp in and out; after each unload, the tables are pristine. */
static void *kp_cycler(void *arg)
{
	unsigned int seed = 0xc0de;
	int loaded = 0;

	(void)arg;
	while (!atomic_load(&stop) || loaded) {
		if (!loaded) {
			if (load(kp_ko))
				failure("insmod vgpu_unlock_kp: %s", strerror(errno));
			else
				loaded = 1;
		} else {
			sleep_ms(rand_r(&seed) % 40);
			if (kp_keep && !atomic_load(&stop))
				continue;
			if (unload("vgpu_unlock_kp")) {
				failure("rmmod vgpu_unlock_kp: %s", strerror(errno));
				if (atomic_load(&stop))
					break;
				sleep_ms(100);
				continue;
			}
			loaded = 0;
			atomic_fetch_add(&n_kp_cycles, 1);
			pthread_mutex_lock(&ck_lock);
			if (nv_present) {
				char ck[64];

				if (read_checksum(ck, sizeof(ck)))
					failure("cannot read the table checksum");
				else if (strcmp(ck, ck_pristine))
					failure("after rmmod vgpu_unlock_kp: checksum %.17s, nvidia loaded with %.17s",
					      ck, ck_pristine);
				else
					atomic_fetch_add(&n_ck, 1);
			}
			pthread_mutex_unlock(&ck_lock);
		}
		sleep_ms(rand_r(&seed) % 20);
	}
	return NULL;
}

/* nvidia out and in, whenever no worker has it open. */
static void *nv_cycler(void *arg)
{
	unsigned int interval = (unsigned int)(long)arg, seed = 0xfeed;

	while (!atomic_load(&stop)) {
		int tries;

		for (unsigned int t = 0; t < interval && !atomic_load(&stop); t += 50)
			sleep_ms(50);
		if (atomic_load(&stop))
			break;
		pthread_rwlock_wrlock(&nv_rw);
		pthread_mutex_lock(&ck_lock);
		/* vgpu_unlock_kp pins nvidia for a moment while it arms */
		for (tries = 0; unload("nvidia") && tries < 100; tries++)
			sleep_ms(10);
		if (tries == 100) {
			failure("rmmod nvidia: %s", strerror(errno));
		} else {
			nv_present = 0;
			sleep_ms(rand_r(&seed) % 50);
			if (load(nv_ko)) {
				failure("insmod nvidia: %s", strerror(errno));
			} else if (read_checksum(ck_pristine, sizeof(ck_pristine))) {
				failure("cannot read the table checksum");
			} else {
				nv_present = 1;
				atomic_fetch_add(&n_nv_cycles, 1);
			}
		}
		pthread_mutex_unlock(&ck_lock);
		pthread_rwlock_unlock(&nv_rw);
	}
	return NULL;
}

/* The status file, read while everything changes under it. */
static void *status_reader(void *arg)
{
	char buf[4096];

	(void)arg;
	while (!atomic_load(&stop)) {
		int fd = open("/proc/driver/vgpu_unlock_kp", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
			atomic_fetch_add(&n_status, 1);
		}
		sleep_ms(10);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_WORKERS + 3];
	pthread_rwlockattr_t ra;
	int workers = 4, seconds = 60, interval = 2500, c, nth = 0, i;
	double t0;

	while ((c = getopt(argc, argv, "d:m:Mn:w:i:")) != -1) {
		switch (c) {
		case 'd': seconds = atoi(optarg); break;
		case 'm': kp_ko = optarg; break;
		case 'M': kp_keep = 1; break;
		case 'n': nv_ko = optarg; break;
		case 'w': workers = atoi(optarg); break;
		case 'i': interval = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!kp_ko || !nv_ko || workers < 1 || workers > MAX_WORKERS) {
		fprintf(stderr, "usage: vukp-stress -d SECONDS -m vgpu_unlock_kp.ko -n nvidia.ko [-w 1..%d] [-i MS]\n",
			MAX_WORKERS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* nvidia is loaded, vgpu_unlock_kp is not */
	if (nv_open(&env))
		return 2;
	ngpus = env.ngpus < MAX_GPUS ? env.ngpus : MAX_GPUS;
	for (i = 0; i < ngpus; i++) {
		uint8_t p[16] = { 0 };

		if (ctrl(env.ctl, MOCK_CLIENT, MOCK_HANDLE(MOCK_CLASS_SUBDEVICE, env.gpus[i].minor),
			 VUKP_CMD_BUS_GET_PCI_INFO, p, 16)) {
			fprintf(stderr, "vukp-stress: PCI_INFO failed on %s\n", env.gpus[i].bdf);
			return 2;
		}
		gpu_dev[i] = get32(p) >> 16;
	}
	close(env.ctl);
	if (read_checksum(ck_pristine, sizeof(ck_pristine)))
		return 2;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&nv_rw, &ra);

	t0 = now();
	for (i = 0; i < workers; i++)
		pthread_create(&th[nth++], NULL, worker, (void *)(long)i);
	if (strcmp(kp_ko, "none"))	/* -m none: the mock alone, as a baseline */
		pthread_create(&th[nth++], NULL, kp_cycler, NULL);
	if (interval > 0)
		pthread_create(&th[nth++], NULL, nv_cycler, (void *)(long)interval);
	pthread_create(&th[nth++], NULL, status_reader, NULL);
	while (now() - t0 < seconds)
		sleep_ms(100);
	atomic_store(&stop, 1);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);

	printf("# ops: %lu controls, %lu vGPU starts, %lu module cycles, %lu nvidia cycles\n",
	       n_ctrl, n_start, n_kp_cycles, n_nv_cycles);
	printf("# in %.0f s with %d workers on %d GPUs: consumer starts %lu unlocked, %lu refused; native starts %lu ok; %lu checksum checks after rmmod; %lu status reads; %lu errors\n",
	       now() - t0, workers, ngpus, n_start_ok, n_start_refused, n_native_ok, n_ck,
	       n_status, n_err);
	return n_err ? 1 : 0;
}
