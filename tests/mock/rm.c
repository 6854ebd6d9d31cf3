// SPDX-License-Identifier: GPL-2.0
/*
 * The "resource manager" of the mock nvidia: rm_ioctl, the RM control
 * path (driver-interface.md §5) and vGPU instance initialisation with
 * the kernel-side checks (sections 2 and 6).  Built without ftrace entry
 * points, like NVIDIA's prebuilt blob (see Kbuild).
 *
 * The check reads the magic, then the key (16-byte os_mem_copy calls from
 * the aperture), then walks the vGPU-capable list: for each triplet it
 * loads the three pointers once, compares the magic, and verifies the
 * record (1 to 7 blocks, HMAC then AES) of each triplet whose magic matched.
 * Knobs (module parameters, nv.c): check_delay_ms sleeps between loading a
 * matched triplet's pointers and verifying its record; concurrent_checks
 * runs the check outside mock_rm_lock.  Statistics: mock_cs (lock free,
 * /proc/driver/nvidia-mock/checks) and per GPU (stats).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include "unaligned.h"
#include <crypto/hash.h>
#include <crypto/algapi.h>
/* crypto_cipher moved out of <linux/crypto.h> into this header in 5.12 */
#if __has_include(<crypto/internal/cipher.h>)
#include <crypto/internal/cipher.h>
#endif
#include "mock.h"
#include "vukp_nvabi.h"
#include "vukp_catalog.h"

/*
 * crypto_cipher is in the CRYPTO_INTERNAL namespace.  MODULE_IMPORT_NS()
 * takes a string literal from 6.13 (commit cdd30ebb1b9f) and a bare name
 * before; MODULE_INFO() with the string is what both expand to.
 */
MODULE_INFO(import_ns, "CRYPTO_INTERNAL");

#define NV_ESC_RM_CONTROL 0x2a

struct mock_gpu *mock_gpus[MOCK_MAX_GPUS];
DEFINE_MUTEX(mock_rm_lock);
struct mock_vgpu mock_vgpus[MOCK_MAX_VGPUS];
struct mock_start mock_pending_start[MOCK_MAX_PENDING];
static u64 mock_start_seq;

/*
 * Under mock_rm_lock.  pid != 0: the slot for a new VM start by that
 * process (its own pending one, a free one, else the oldest); pid == 0:
 * the pending start for GET_START_DATA: the caller's own, else the latest.
 */
struct mock_start *mock_start_slot(u32 pid)
{
	struct mock_start *s, *best = NULL;
	u32 me = task_tgid_nr(current);

	for (s = mock_pending_start; s < mock_pending_start + MOCK_MAX_PENDING; s++) {
		if (pid) {
			if (s->pending && s->qemu_pid == pid) {
				best = s;
				break;
			}
			if (!best || (best->pending && (!s->pending || s->seq < best->seq)))
				best = s;
			continue;
		}
		if (!s->pending)
			continue;
		if (s->qemu_pid == me)
			return s;
		if (!best || s->seq > best->seq)
			best = s;
	}
	if (pid)
		best->seq = ++mock_start_seq;
	return best;
}

unsigned int mock_fault;	/* MOCK_FAULT_*, from /proc/driver/nvidia-mock/fault */
DECLARE_WAIT_QUEUE_HEAD(mock_check_wq);	/* a GPU's checks_in_flight hit 0 */
struct mock_check_stats mock_cs = { .last_index = ATOMIC_INIT(-1) };

static DEFINE_MUTEX(mock_crypto_lock);	/* mock_hmac and mock_aes keys */
static struct crypto_shash *mock_hmac;
static struct crypto_cipher *mock_aes;

static const unsigned short mock_vgpu_boards[] = VUKP_VGPU_BOARDS_INIT;

#if MOCK_GEN >= 580
#define A081_INFO_SIZE 5424
#define A082_SIZE 2328
static const struct mock_info_layout a081 = MOCK_A081_R580;
static const struct mock_info_layout a082 = MOCK_A082_R580;
#else
#define A081_INFO_SIZE 4952
#define A082_SIZE 1848
static const struct mock_info_layout a081 = MOCK_A081_R535;
static const struct mock_info_layout a082 = MOCK_A082_R535;
#endif

static bool mock_is_vgpu_board(u16 device)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mock_vgpu_boards); i++)
		if (mock_vgpu_boards[i] == device)
			return true;
	return false;
}

static bool mock_is_maxwell(u16 device)
{
	return (device >= 0x1340 && device <= 0x13ff) ||
	       (device >= 0x1617 && device <= 0x179c);
}

/* ---- vGPU instance initialisation: the kernel-side checks ------------- */

static const u8 *mock_ptr(const u8 *triplet, int i)
{
	/* Relocated pointers, possibly unaligned: read each with one load. */
	return (const u8 *)(uintptr_t)get_unaligned((const u64 *)(triplet + 8 * i));
}

/* Real lists hold records of 2 to 7 blocks (driver-interface.md §6), the
 * record format allows up to 33 (u8 name lengths); the module builds 1 to
 * 4: accept 1..MOCK_MAX_BLOCKS like the driver would. */
#define MOCK_MAX_BLOCKS 33

static bool mock_record_ok(const u8 *rec, const u8 *sig, const u8 *key,
			   u16 want_subsys)
{
	u8 mac[32], plain[16];	/* every field checked is in the first block */
	unsigned int nb = rec[0];
	u16 dev, vendor, subsys, svendor;

	if (nb < 1 || nb > MOCK_MAX_BLOCKS)
		return false;
	if (crypto_shash_setkey(mock_hmac, key, 16) ||
	    crypto_shash_tfm_digest(mock_hmac, rec, 1 + 16 * nb, mac))
		return false;
	if (crypto_memneq(mac, sig, sizeof(mac)))
		return false;
	if (crypto_cipher_setkey(mock_aes, key, 16))
		return false;
	crypto_cipher_decrypt_one(mock_aes, plain, rec + 1);
	dev = get_unaligned_le16(plain + 2);
	vendor = get_unaligned_le16(plain + 4);
	subsys = get_unaligned_le16(plain + 6);
	svendor = get_unaligned_le16(plain + 8);
	if ((vendor && vendor != 0x10de) || (svendor && svendor != 0x10de))
		return false;
	return mock_is_vgpu_board(dev) && subsys == want_subsys;
}

/*
 * The check.  mode (concurrent_checks at the start of the control): 0 under
 * mock_rm_lock; 1 outside it, under the GPU's check_lock; 2 outside both
 * (then MOCK_FAULT_UNMAP_BETWEEN remaps into a mapping private to this
 * check, unmapped at its end, since other checks of the GPU use the
 * shared one).  Only this GPU's aperture pointer is written here, in modes
 * 0 and 1, under the lock of that mode.  Results go to *res.
 */
static u32 mock_vgpu_instance_init(struct mock_gpu *gpu, u16 want_subsys,
				   unsigned int mode, struct mock_check *res)
{
	u64 len = min_t(u64, gpu->aper_len, MOCK_APERTURE_MAP);
	u8 hdr[8], magic[16], key[16], noise[16], big[256];
	void *ap = READ_ONCE(gpu->aperture), *private = NULL;
	unsigned int n, delay;
	const u8 *t;
	u32 st = VUKP_NV_ERR_NOT_SUPPORTED;
	bool ok;

	res->check = 3;
	res->index = -1;
	res->matched = 0;
	res->blocks = 0;
	if (!ap)
		return VUKP_NV_ERR_INVALID_STATE;
	/* RM reads plenty from the aperture; magic then key among it. */
	memset(key, 0, sizeof(key));
	os_mem_copy(hdr, ap, sizeof(hdr));
	os_mem_copy(noise, ap + MOCK_FUSE_NAME, sizeof(noise));
	if (mock_fault & MOCK_FAULT_KEY_FIRST)
		os_mem_copy(key, ap + gpu->key_off, sizeof(key));
	os_mem_copy(magic, ap + gpu->magic_off, sizeof(magic));
	if (mock_fault & MOCK_FAULT_MAGIC_TWICE)
		os_mem_copy(magic, ap + gpu->magic_off, sizeof(magic));
	if (mock_fault & MOCK_FAULT_UNMAP_BETWEEN) {
		/* the aperture goes away and comes back at another address */
		void *old = ap;

		ap = os_map_kernel_space(gpu->aper, len, 2);
		if (mode == 2) {
			private = ap;
		} else {
			WRITE_ONCE(gpu->aperture, ap);
			os_unmap_kernel_space(old, len);
		}
		if (!ap)
			return VUKP_NV_ERR_INVALID_STATE;
	}
	os_mem_copy(noise, ap + (gpu->magic_off ^ 0x1000), 16);
	os_mem_copy(noise, hdr, 8);
	if (!(mock_fault & MOCK_FAULT_KEY_NEVER))
		os_mem_copy(key, ap + gpu->key_off, sizeof(key));
	os_mem_copy(big, ap + 0x200000, sizeof(big));
	os_mem_copy(noise, big + 16, 16);
	if (private)
		os_unmap_kernel_space(private, len);

	/* check 3: the magic in the vGPU list; check 4: a signed record */
	for (t = mock_vgpu_list, n = 0; n < READ_ONCE(mock_vgpu_list_count);
	     t += 24, n++) {
		/* the triplet's pointers, each loaded once */
		const u8 *m = mock_ptr(t, 0), *rec = mock_ptr(t, 1),
			 *sig = mock_ptr(t, 2);

		if (!m)
			break;		/* sentinel */
		if (memcmp(m, magic, sizeof(magic)))
			continue;
		res->check = 4;
		res->matched++;
		/* knob: sleep between loading the pointers and using them */
		delay = READ_ONCE(mock_check_delay_ms);
		if (delay && (mock_check_delay_gpu < 0 ||
			      mock_check_delay_gpu == gpu->minor)) {
			atomic_inc(&mock_cs.in_delay);
			atomic_inc(&mock_cs.delays);
			msleep(delay);
			atomic_dec(&mock_cs.in_delay);
		}
		/* the tfms are shared: one verification at a time */
		mutex_lock(&mock_crypto_lock);
		ok = mock_record_ok(rec, sig, key, want_subsys);
		mutex_unlock(&mock_crypto_lock);
		if (ok) {
			res->check = 0;
			res->index = n;
			res->blocks = rec[0];
			st = VUKP_NV_OK;
			break;
		}
	}
	memzero_explicit(key, sizeof(key));
	return st;
}

/* Counts a check in and out of mock_cs (lock free). */
static void mock_check_begin(void)
{
	int now = atomic_inc_return(&mock_cs.running), max;

	atomic_inc(&mock_cs.checks);
	if (now > 1)
		atomic_inc(&mock_cs.overlaps);
	max = atomic_read(&mock_cs.max_running);
	while (now > max && !atomic_try_cmpxchg(&mock_cs.max_running, &max, now))
		;
}

static void mock_check_end(const struct mock_check *res)
{
	atomic_set(&mock_cs.last_result, res->check);
	atomic_set(&mock_cs.last_index, res->index);
	atomic_inc(res->check ? &mock_cs.refused : &mock_cs.passed);
	atomic_dec(&mock_cs.running);
}

/* ---- adapter init: first open of /dev/nvidiaN (section 4) ------------- */

int rm_init_adapter(struct mock_gpu *gpu)
{
	u8 tmp[64];
	u64 len = min_t(u64, gpu->aper_len, MOCK_APERTURE_MAP);

	gpu->regs = os_map_kernel_space(gpu->bar0, gpu->bar0_len, 1);
	if (!gpu->regs)
		return -ENOMEM;
	gpu->aperture = os_map_kernel_space(gpu->aper, len, 2);
	if (!gpu->aperture) {
		os_unmap_kernel_space(gpu->regs, gpu->bar0_len);
		gpu->regs = NULL;
		return -ENOMEM;
	}
	os_mem_copy(tmp, gpu->aperture, 4);
	os_mem_copy(tmp, gpu->aperture + MOCK_FUSE_NAME, 16);
	os_mem_copy(tmp, gpu->aperture + 0x1000, 64);
	return 0;
}

void rm_shutdown_adapter(struct mock_gpu *gpu)
{
	if (gpu->aperture)
		os_unmap_kernel_space(gpu->aperture,
				      min_t(u64, gpu->aper_len, MOCK_APERTURE_MAP));
	if (gpu->regs)
		os_unmap_kernel_space(gpu->regs, gpu->bar0_len);
	gpu->aperture = NULL;
	gpu->regs = NULL;
}

/* ---- controls ------------------------------------------------------- */

struct mock_obj {
	struct mock_gpu *gpu;
	struct mock_vgpu *vgpu;
};

static struct mock_type *mock_find_type(struct mock_gpu *gpu, u32 id)
{
	unsigned int i;

	for (i = 0; i < gpu->ntypes; i++)
		if (gpu->types[i].id == id)
			return &gpu->types[i];
	return NULL;
}

static struct mock_gpu *mock_gpu_by_pci_id(u32 id)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX_GPUS; i++) {
		struct mock_gpu *g = mock_gpus[i];

		if (g && ((g->pdev->bus->number << 8) | g->pdev->devfn) ==
			 (id & 0xffff))
			return g;
	}
	return NULL;
}

static u32 mock_bdf(struct mock_gpu *g)
{
	return (pci_domain_nr(g->pdev->bus) << 16) |
	       (g->pdev->bus->number << 8) | g->pdev->devfn;
}

static u32 ctl_pci_info(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_gpu *g = o->gpu;

	put_unaligned_le32(0x10de | (u32)g->device << 16, p + 0);
	put_unaligned_le32(g->svendor | (u32)g->subsys << 16, p + 4);
	put_unaligned_le32(g->revision, p + 8);
	put_unaligned_le32(g->device, p + 12);
	return VUKP_NV_OK;
}

static u32 ctl_vmode(struct mock_obj *o, u8 *p, u32 size)
{
	put_unaligned_le32(mock_is_vgpu_board(o->gpu->device) ?
			   VUKP_VIRT_MODE_HOST : VUKP_VIRT_MODE_NONE, p);
	if (size == 8)
		p[4] = 1;	/* isGridBuild */
	return VUKP_NV_OK;
}

static u32 ctl_set_info(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_gpu *g = o->gpu;
	const u8 *info = p + 8;
	u32 id = get_unaligned_le32(info);
	struct mock_type *t;
	unsigned int i;

	if (p[0]) {		/* discardVgpuTypes */
		for (i = 0; i < g->ntypes; i++)
			kfree(g->types[i].info);
		g->ntypes = 0;
	}
	if (!id || !memchr(info + a081.name, 0, a081.name_len))
		return VUKP_NV_ERR_INVALID_ARGUMENT;
	t = mock_find_type(g, id);
	if (!t) {
		if (g->ntypes == MOCK_MAX_TYPES)
			return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
		t = &g->types[g->ntypes];
		t->info = NULL;
	}
	kfree(t->info);
	t->info = kmemdup(info, a081.info_size, GFP_KERNEL);
	if (!t->info) {
		if (t == &g->types[g->ntypes])
			return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
		*t = g->types[--g->ntypes];
		return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
	}
	if (t == &g->types[g->ntypes])
		g->ntypes++;
	t->id = id;
	t->subsys = get_unaligned_le64(info + a081.vdev_id) & 0xffff;
	return VUKP_NV_OK;
}

static u32 ctl_get_type_info(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_type *t = mock_find_type(o->gpu, get_unaligned_le32(p));

	if (!t)
		return VUKP_NV_ERR_OBJECT_NOT_FOUND;
	memcpy(p + VUKP_TYPE_INFO_WRAPPER, t->info, a081.info_size);
	return VUKP_NV_OK;
}

static void cp(u8 *dst, unsigned int d, const u8 *src, unsigned int s,
	       unsigned int n)
{
	memcpy(dst + d, src + s, n);
}

static u32 ctl_a082_type_info(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_vgpu *v = o->vgpu;
	struct mock_type *t = mock_find_type(v->gpu, v->type_id);
	const u8 *s;

	if (!t)
		return VUKP_NV_ERR_OBJECT_NOT_FOUND;
	s = t->info;
	cp(p, 0, s, 0, 4);
	cp(p, a082.name, s, a081.name, a082.name_len);
	cp(p, a082.cls, s, a081.cls, a082.cls_len);
	cp(p, a082.signature, s, a081.signature, 128);
	cp(p, a082.license, s, a081.license, 128);
	cp(p, a082.max_instance, s, a081.max_instance, 40);
	cp(p, a082.vdev_id, s, a081.vdev_id, 8);
	cp(p, a082.pdev_id, s, a081.pdev_id, 8);
	cp(p, a082.fb_length, s, a081.fb_length, 8);
	cp(p, a082.mappable, s, a081.mappable, 8);
	cp(p, a082.fb_reservation, s, a081.fb_reservation, 8);
	cp(p, a082.encoder, s, a081.encoder, 4);
	cp(p, a082.bar1, s, a081.bar1, 8);
	cp(p, a082.frl_enable, s, a081.frl_enable, 4);
	cp(p, a082.adapter_name, s, a081.adapter_name, 64);
	cp(p, a082.adapter_unicode, s, a081.adapter_unicode, 128);
	cp(p, a082.short_name, s, a081.short_name, 64);
	cp(p, a082.licensed_name, s, a081.licensed_name, 128);
	return VUKP_NV_OK;
}

static u32 ctl_start_data(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_start *s = mock_start_slot(0);

	if (!s)
		return VUKP_NV_ERR_INVALID_STATE;
	memcpy(p + VUKP_START_DATA_MDEV_UUID, s->uuid, 16);
	strscpy(p + VUKP_START_DATA_CONFIG_PARAMS, s->config, 1024);
	put_unaligned_le32(s->qemu_pid, p + VUKP_START_DATA_QEMU_PID);
	put_unaligned_le32(mock_bdf(s->gpu) & 0xffff,
			   p + VUKP_START_DATA_GPU_PCI_ID);
	put_unaligned_le32(mock_bdf(s->gpu), p + VUKP_START_DATA_GPU_PCI_BDF);
	s->pending = false;
	return VUKP_NV_OK;
}

static u32 ctl_create_device(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_gpu *g = mock_gpu_by_pci_id(get_unaligned_le32(p + 16));
	u32 type = get_unaligned_le32(p + VUKP_CREATE_DEVICE_VGPU_TYPE_ID);
	struct mock_vgpu *v = NULL;
	unsigned int i;

	if (!g)
		return VUKP_NV_ERR_INVALID_ARGUMENT;
	if (!mock_find_type(g, type))
		return VUKP_NV_ERR_OBJECT_NOT_FOUND;
	for (i = 0; i < MOCK_MAX_VGPUS; i++)
		if (mock_vgpus[i].used && !memcmp(mock_vgpus[i].uuid, p, 16))
			v = &mock_vgpus[i];
	for (i = 0; !v && i < MOCK_MAX_VGPUS; i++)
		if (!mock_vgpus[i].used)
			v = &mock_vgpus[i];
	if (!v)
		return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
	v->used = true;
	memcpy(v->uuid, p, 16);
	v->gpu = g;
	v->type_id = type;
	v->vgpu_id = v - mock_vgpus + 1;
	put_unaligned_le16(v->vgpu_id, p + VUKP_CREATE_DEVICE_VGPU_ID);
	return VUKP_NV_OK;
}

/* Called under mock_rm_lock; with concurrent_checks it drops the lock
 * around the check itself (mock_vgpu_instance_init). */
static u32 ctl_notify_start(struct mock_obj *o, u8 *p, u32 size)
{
	struct mock_gpu *g = o->gpu;
	struct mock_vgpu *v = NULL;
	struct mock_check res;
	struct mock_type *t;
	unsigned int i, mode;
	u16 subsys;
	u32 st;

	for (i = 0; i < MOCK_MAX_VGPUS; i++)
		if (mock_vgpus[i].used && mock_vgpus[i].gpu == o->gpu &&
		    !memcmp(mock_vgpus[i].uuid, p, 16))
			v = &mock_vgpus[i];
	if (!v)
		return VUKP_NV_ERR_OBJECT_NOT_FOUND;
	t = mock_find_type(g, v->type_id);
	if (!t)			/* types discarded since the device was created */
		return VUKP_NV_ERR_OBJECT_NOT_FOUND;
	subsys = t->subsys;
	mode = min(READ_ONCE(mock_concurrent_checks), 2u);
	mock_check_begin();
	if (!mode) {
		st = mock_vgpu_instance_init(g, subsys, 0, &res);
	} else {
		/*
		 * Outside mock_rm_lock: the GPU stays (mock_remove waits for
		 * checks_in_flight to drop to 0); nothing else of RM's state
		 * is touched until the lock is taken again.
		 */
		atomic_inc(&g->checks_in_flight);
		mutex_unlock(&mock_rm_lock);
		if (mode == 1)
			mutex_lock(&g->check_lock);
		st = mock_vgpu_instance_init(g, subsys, mode, &res);
		if (mode == 1)
			mutex_unlock(&g->check_lock);
		mutex_lock(&mock_rm_lock);
		if (atomic_dec_and_test(&g->checks_in_flight))
			wake_up_all(&mock_check_wq);
	}
	mock_check_end(&res);
	if (st == VUKP_NV_OK)
		g->inits_ok++;
	else
		g->inits_failed++;
	g->last_status = st;
	g->last_check = res.check;
	g->checks++;
	g->last_matched = res.matched;
	g->last_index = res.index;
	g->last_blocks = res.blocks;
	put_unaligned_le32(st, p + 160);
	return st;
}

static u32 ctl_migration_cap(struct mock_obj *o, u8 *p, u32 size)
{
	p[0] = 0;
	return VUKP_NV_OK;
}

/* Controls that fail on GPUs the driver does not consider vGPU boards. */
static u32 ctl_zbc(struct mock_obj *o, u8 *p, u32 size)
{
	return mock_is_vgpu_board(o->gpu->device) ? VUKP_NV_OK :
						    VUKP_NV_ERR_NOT_SUPPORTED;
}

static u32 ctl_a082_0104(struct mock_obj *o, u8 *p, u32 size)
{
	return mock_is_vgpu_board(o->vgpu->gpu->device) ? VUKP_NV_OK :
		VUKP_NV_ERR_NOT_SUPPORTED;
}

static u32 ctl_inforom(struct mock_obj *o, u8 *p, u32 size)
{
	if (mock_is_maxwell(o->gpu->device))
		return VUKP_NV_ERR_NOT_SUPPORTED;
	memcpy(p, "OBD", 3);
	p[3] = 5;
	return VUKP_NV_OK;
}

/*
 * Mock-only benchmark control: os_mem_copy called N times from the
 * aperture or from kernel memory.  Params: { u32 iterations; u32 size;
 * u32 gpu minor; u32 from_aperture; u64 ns (out); u64 reserved; }
 */
static u32 ctl_bench(struct mock_obj *o, u8 *p, u32 size)
{
	u32 iters = get_unaligned_le32(p), len = get_unaligned_le32(p + 4);
	u32 minor = get_unaligned_le32(p + 8), aper = get_unaligned_le32(p + 12);
	struct mock_gpu *g = minor < MOCK_MAX_GPUS ? mock_gpus[minor] : NULL;
	const u8 *src;
	u8 *dst, *buf;
	u64 t0;
	u32 i;

	if (!len || len > 4096 || iters > 10000000 || (aper && (!g || !g->aperture)))
		return VUKP_NV_ERR_INVALID_ARGUMENT;
	dst = kmalloc(4096, GFP_KERNEL);
	buf = kzalloc(4096, GFP_KERNEL);
	if (!dst || !buf) {
		kfree(dst);
		kfree(buf);
		return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
	}
	if (aper)	/* no remap by a concurrent check meanwhile */
		mutex_lock(&g->check_lock);
	src = aper ? (const u8 *)g->aperture + 0x300000 : buf;
	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		os_mem_copy(dst, src, len);
		if (!(i & 0xffff))
			cond_resched();
	}
	put_unaligned_le64(ktime_get_ns() - t0, p + 16);
	if (aper)
		mutex_unlock(&g->check_lock);
	kfree(dst);
	kfree(buf);
	return VUKP_NV_OK;
}

enum { OBJ_CLIENT, OBJ_GPU, OBJ_VGPU };

struct mock_ctrl {
	u32 cmd;
	u32 size;
	u16 cls;
	u8 kind;
	bool cacheable;		/* no copy-in: starts from a zeroed buffer */
	u32 (*fn)(struct mock_obj *o, u8 *p, u32 size);
};

static const struct mock_ctrl mock_ctrls[] = {
	{ VUKP_CMD_BUS_GET_PCI_INFO, VUKP_PCI_INFO_SIZE, MOCK_CLASS_SUBDEVICE,
	  OBJ_GPU, true, ctl_pci_info },
	{ VUKP_CMD_GET_VIRTUALIZATION_MODE, MOCK_VMODE_SIZE, MOCK_CLASS_DEVICE,
	  OBJ_GPU, false, ctl_vmode },
	{ VUKP_CMD_VGPU_CONFIG_SET_INFO, VUKP_SET_INFO_SIZE(A081_INFO_SIZE),
	  MOCK_CLASS_VGPU_CONFIG, OBJ_GPU, false, ctl_set_info },
	{ VUKP_CMD_VGPU_CONFIG_GET_TYPE_INFO,
	  VUKP_TYPE_INFO_WRAPPER + A081_INFO_SIZE,
	  MOCK_CLASS_VGPU_CONFIG, OBJ_GPU, false, ctl_get_type_info },
	{ VUKP_CMD_VGPU_CONFIG_NOTIFY_START, MOCK_NOTIFY_START_SIZE,
	  MOCK_CLASS_VGPU_CONFIG, OBJ_GPU, false, ctl_notify_start },
	{ VUKP_CMD_VGPU_CONFIG_GET_MIGRATION_CAP, VUKP_MIGRATION_CAP_SIZE,
	  MOCK_CLASS_VGPU_CONFIG, OBJ_GPU, false, ctl_migration_cap },
	{ VUKP_CMD_HOST_VGPU_GET_TYPE_INFO, A082_SIZE,
	  MOCK_CLASS_HOST_VGPU, OBJ_VGPU, false, ctl_a082_type_info },
	{ VUKP_CMD_A082_UNNAMED_0104, MOCK_A082_0104_SIZE,
	  MOCK_CLASS_HOST_VGPU, OBJ_VGPU, false, ctl_a082_0104 },
	{ VUKP_CMD_VGPU_GET_START_DATA, VUKP_START_DATA_SIZE, 0,
	  OBJ_CLIENT, false, ctl_start_data },
	{ VUKP_CMD_VGPU_CREATE_DEVICE, MOCK_CREATE_SIZE, 0,
	  OBJ_CLIENT, false, ctl_create_device },
	{ VUKP_CMD_GPU_GET_INFOROM_OBJECT_VERSION, MOCK_INFOROM_SIZE,
	  MOCK_CLASS_SUBDEVICE, OBJ_GPU, false, ctl_inforom },
	{ VUKP_CMD_GET_ZBC_CLEAR_TABLE, MOCK_ZBC_PARAMS_SIZE, MOCK_CLASS_ZBC,
	  OBJ_GPU, false, ctl_zbc },
	{ MOCK_CMD_BENCH, MOCK_BENCH_SIZE, 0, OBJ_CLIENT, false, ctl_bench },
};

static u32 mock_resolve(const struct mock_ctrl *c, u32 h_client, u32 h_obj,
			struct mock_obj *o)
{
	u32 idx = h_obj & 0xffff;

	o->gpu = NULL;
	o->vgpu = NULL;
	if (c->kind == OBJ_CLIENT)
		return h_obj == h_client ? VUKP_NV_OK :
					   VUKP_NV_ERR_INVALID_OBJECT_HANDLE;
	if (h_obj >> 16 != c->cls)
		return VUKP_NV_ERR_INVALID_OBJECT_HANDLE;
	if (c->kind == OBJ_VGPU) {
		if (idx < 1 || idx > MOCK_MAX_VGPUS || !mock_vgpus[idx - 1].used)
			return VUKP_NV_ERR_INVALID_OBJECT_HANDLE;
		o->vgpu = &mock_vgpus[idx - 1];
		o->gpu = o->vgpu->gpu;
		return VUKP_NV_OK;
	}
	if (idx >= MOCK_MAX_GPUS || !mock_gpus[idx])
		return VUKP_NV_ERR_INVALID_OBJECT_HANDLE;
	o->gpu = mock_gpus[idx];
	return VUKP_NV_OK;
}

static u32 mock_rm_control(u8 *nvos54)
{
	u32 h_client = get_unaligned_le32(nvos54 + VUKP_NVOS54_HCLIENT);
	u32 h_obj = get_unaligned_le32(nvos54 + VUKP_NVOS54_HOBJECT);
	u32 cmd = get_unaligned_le32(nvos54 + VUKP_NVOS54_CMD);
	void *params = (void *)(uintptr_t)get_unaligned_le64(nvos54 +
							    VUKP_NVOS54_PARAMS);
	u32 size = get_unaligned_le32(nvos54 + VUKP_NVOS54_PARAMS_SIZE);
	const struct mock_ctrl *c = NULL;
	struct mock_obj obj;
	unsigned int i;
	u8 *kbuf;
	u32 st;

	for (i = 0; i < ARRAY_SIZE(mock_ctrls); i++)
		if (mock_ctrls[i].cmd == cmd)
			c = &mock_ctrls[i];
	if (!c)
		return VUKP_NV_ERR_NOT_SUPPORTED;
	if (size != c->size || !params)
		return VUKP_NV_ERR_INVALID_ARGUMENT;
	kbuf = kzalloc(size, GFP_KERNEL);
	if (!kbuf)
		return VUKP_NV_ERR_INSUFFICIENT_RESOURCES;
	st = c->cacheable ? VUKP_NV_OK :
			    os_memcpy_from_user(kbuf, params, size);
	if (st == VUKP_NV_OK) {
		mutex_lock(&mock_rm_lock);
		st = mock_resolve(c, h_client, h_obj, &obj);
		if (st == VUKP_NV_OK)
			st = c->fn(&obj, kbuf, size);
		mutex_unlock(&mock_rm_lock);
	}
	/* Failed controls copy nothing out. */
	if (st == VUKP_NV_OK)
		st = os_memcpy_to_user(params, kbuf, size);
	kfree(kbuf);
	return st;
}

noinline u32 rm_ioctl(void *sp, void *nv, void *nvfp, u32 cmd, void *data,
		      u32 size)
{
	if (cmd != NV_ESC_RM_CONTROL)
		return VUKP_NV_ERR_NOT_SUPPORTED;
	if (size != VUKP_NVOS54_SIZE)
		return VUKP_NV_ERR_INVALID_ARGUMENT;
	put_unaligned_le32(mock_rm_control(data), (u8 *)data +
			   VUKP_NVOS54_STATUS);
	return VUKP_NV_OK;	/* even when the control failed */
}

void mock_rm_free_gpu(struct mock_gpu *gpu)
{
	unsigned int i;

	for (i = 0; i < MOCK_MAX_VGPUS; i++)
		if (mock_vgpus[i].used && mock_vgpus[i].gpu == gpu)
			mock_vgpus[i].used = false;
	for (i = 0; i < MOCK_MAX_PENDING; i++)
		if (mock_pending_start[i].gpu == gpu)
			mock_pending_start[i].pending = false;
	for (i = 0; i < gpu->ntypes; i++)
		kfree(gpu->types[i].info);
	gpu->ntypes = 0;
}

int mock_rm_init(void)
{
	mock_hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(mock_hmac))
		return PTR_ERR(mock_hmac);
	mock_aes = crypto_alloc_cipher("aes", 0, 0);
	if (IS_ERR(mock_aes)) {
		crypto_free_shash(mock_hmac);
		return PTR_ERR(mock_aes);
	}
	return 0;
}

void mock_rm_exit(void)
{
	crypto_free_cipher(mock_aes);
	crypto_free_shash(mock_hmac);
}
