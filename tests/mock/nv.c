// SPDX-License-Identifier: GPL-2.0
/*
 * Mock nvidia.ko: module glue, the PCI driver bound to QEMU ivshmem-plain
 * devices standing in for GPUs, the character devices (major 195, like
 * nvidia: /dev/nvidiaN and /dev/nvidiactl, created by the test with mknod
 * as nvidia-modprobe does), nvidia_unlocked_ioctl, /proc files, the knobs
 * and the flipper.
 *
 * /proc/driver/nvidia-mock/
 *   checksum  CRC32 and length of the tables (mock_tables_start..end)
 *   stats     one line per GPU (takes mock_rm_lock, so it waits for a check
 *             that sleeps under it): ... inits_ok= inits_failed=
 *             last_status= last_failed_check= checks= last_matched= (its
 *             magic's triplets seen by the last check) last_index= (vGPU-
 *             list index of the record that passed, -1) last_blocks=
 *             in_flight= (checks running outside mock_rm_lock)
 *   checks    lock free, readable while a check sleeps; "reset" zeroes it:
 *             knobs check_delay_ms= check_delay_gpu= concurrent_checks= flip=
 *             checks running= in_delay= max_running= checks= overlaps=
 *                    delays= passed= refused= last_result= last_index=
 *             flip running= triplets= flips=
 *   layout    what the generator drew, one key=value a line: sacrificial,
 *             sac_patcher, sac_dualcoder, sac_first, p40_first,
 *             p40_after_sac, vgpu_entries, vgpu_boards, other_entries (with
 *             the magic_start entry), sac_in_other, both_lists, flip_copy,
 *             layout_seed
 *   vm_start  "<mdev uuid> <gpu bdf> <type id> [pid]": a VM is starting
 *   fault     read-order faults: key_never magic_twice unmap_between
 *             key_first, or none
 *
 * Knobs: module parameters, at insmod or in /sys/module/nvidia/parameters/:
 *   check_delay_ms=N     the check sleeps N ms between loading a matched
 *                        triplet's pointers and verifying its record (every
 *                        matched triplet; rm.c); checks in_delay>0 says when
 *   check_delay_gpu=M    only checks of GPU minor M sleep (-1: all, default)
 *   concurrent_checks=C  0 checks under mock_rm_lock (default, serialised);
 *                        1 outside it, one at a time per GPU (GPUs overlap);
 *                        2 outside it, no serialisation at all
 *   flip=0|1             the flipper: a kthread that keeps rewriting the
 *                        writable copy of triplets (mock_flip_list in .data,
 *                        generated with --flip-copy: the flip variant, where
 *                        it starts at load) word by word, with other valid
 *                        triplets' pointers, torn mixes or garbage; -ENODEV
 *                        on a variant without the copy; flip=0 stops it and
 *                        puts the copy back as generated
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/pci.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/crc32.h>
#include <linux/uuid.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/moduleparam.h>
#include "mock.h"
#include "unaligned.h"
#include "vukp_nvabi.h"

#define NV_MAJOR	195
#define NV_CTL_MINOR	255

static struct proc_dir_entry *proc_nv, *proc_gpus, *proc_mock;

/* ---- knobs (see the header) -------------------------------------------- */

unsigned int mock_check_delay_ms;
module_param_named(check_delay_ms, mock_check_delay_ms, uint, 0644);
MODULE_PARM_DESC(check_delay_ms, "sleep between loading a matched triplet and verifying its record (ms)");
int mock_check_delay_gpu = -1;
module_param_named(check_delay_gpu, mock_check_delay_gpu, int, 0644);
MODULE_PARM_DESC(check_delay_gpu, "only this GPU minor's checks sleep (-1: all)");
unsigned int mock_concurrent_checks;
module_param_named(concurrent_checks, mock_concurrent_checks, uint, 0644);
MODULE_PARM_DESC(concurrent_checks, "0 serialised, 1 outside mock_rm_lock one per GPU, 2 fully concurrent");

/* ---- the flipper -------------------------------------------------------- */

#ifndef MOCK_FLIP_DEFAULT
#define MOCK_FLIP_DEFAULT 0
#endif
static DEFINE_MUTEX(mock_flip_lock);	/* the thread, mock_flip_on, mock_live */
static struct task_struct *mock_flip_task;
static bool mock_flip_on = MOCK_FLIP_DEFAULT, mock_live;
static u8 *mock_flip_orig;		/* the copy as generated */
static atomic_long_t mock_flips;
/* A record-shaped object in writable data whose num_blocks keeps changing
 * while the flipper runs (some garbage triplets point at it). */
static u8 mock_flip_scratch[1 + 16 * 8 + 32] __aligned(8) = { 2 };

static u64 mock_flip_garbage(u32 r, u64 valid)
{
	switch (r % 8) {
	case 0:
		return 0;
	case 1:
		return 0xdead4ead00000000ull | (r & 0xfff0);	/* non-canonical */
	case 2:
		return (uintptr_t)mock_tables_end - 8;	/* runs past the tables */
	case 3:
		return valid + 1 + (r >> 8) % 15;	/* inside another object */
	case 4:
		return (uintptr_t)mock_flip_scratch;	/* num_blocks changing */
	case 5:
		return (uintptr_t)mock_flip_list;	/* the copy itself */
	case 6:
		return (uintptr_t)mock_tables_start - 16;
	default:		/* a page of kernel memory that is not nvidia's */
		return (uintptr_t)PAGE_OFFSET + (((r >> 8) & 0xfff) << PAGE_SHIFT);
	}
}

static void mock_flip_load(u64 *v, const u8 *t)
{
	int i;

	for (i = 0; i < 3; i++)
		v[i] = get_unaligned((const u64 *)(t + 8 * i));
}

static int mock_flip_fn(void *arg)
{
	static const u8 nbs[] = { 0, 1, 2, 4, 7, 8, 0x7f, 0xff };
	u32 n = mock_flip_count, nv = mock_vgpu_list_count;
	u32 no = mock_other_list_count;
	unsigned int k, w;

	while (!kthread_should_stop()) {
		for (k = 0; k < 64; k++) {
			u32 r = get_random_u32(), q = get_random_u32();
			u8 *dst = mock_flip_list + 24 * (r % n);
			u64 v[3], x[3];

			switch ((r >> 8) % 16) {
			case 0 ... 6:	/* another valid vGPU-list triplet */
				mock_flip_load(v, mock_vgpu_list + 24 * (q % nv));
				break;
			case 7 ... 8:	/* an other-boards triplet (magic_start too) */
				mock_flip_load(v, mock_other_list + 24 * (q % no));
				break;
			case 9 ... 10:	/* as generated */
				mock_flip_load(v, mock_flip_orig + 24 * (q % n));
				break;
			case 11 ... 12:	/* torn: the magic of one, the record of another */
				mock_flip_load(v, mock_vgpu_list + 24 * (q % nv));
				mock_flip_load(x, mock_vgpu_list +
					       24 * (get_random_u32() % nv));
				v[1 + (q >> 20) % 2] = x[1 + (q >> 20) % 2];
				v[0] = (q >> 21) & 1 ? x[0] : v[0];
				break;
			default:	/* garbage in some of the three */
				mock_flip_load(v, mock_vgpu_list + 24 * (q % nv));
				for (w = 0; w < 3; w++)
					if ((q >> (24 + w)) & 1 || w == (q >> 28) % 3)
						v[w] = mock_flip_garbage(get_random_u32(),
									 v[w]);
				break;
			}
			for (w = 0; w < 3; w++) {	/* word by word */
				put_unaligned(v[w], (u64 *)(dst + 8 * w));
				cpu_relax();
			}
			WRITE_ONCE(mock_flip_scratch[0], nbs[(q >> 29) % 8]);
			atomic_long_inc(&mock_flips);
		}
		usleep_range(1000, 2000);	/* ~40000 flips/s */
	}
	return 0;
}

static int mock_flip_start(void)	/* mock_flip_lock held */
{
	struct task_struct *t;

	if (mock_flip_task)
		return 0;
	if (!mock_flip_count || !mock_flip_orig)
		return -ENODEV;
	t = kthread_run(mock_flip_fn, NULL, "nvidia-mock-flip");
	if (IS_ERR(t))
		return PTR_ERR(t);
	mock_flip_task = t;
	return 0;
}

static void mock_flip_stop(void)	/* mock_flip_lock held */
{
	if (!mock_flip_task)
		return;
	kthread_stop(mock_flip_task);
	mock_flip_task = NULL;
	memcpy(mock_flip_list, mock_flip_orig, 24 * mock_flip_count);
	mock_flip_scratch[0] = 2;
}

static int mock_flip_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&mock_flip_lock);
	mock_flip_on = on;
	if (mock_live) {
		if (on)
			ret = mock_flip_start();
		else
			mock_flip_stop();
	}
	mutex_unlock(&mock_flip_lock);
	return ret;
}

static int mock_flip_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%d\n", READ_ONCE(mock_flip_task) != NULL);
}

static const struct kernel_param_ops mock_flip_ops = {
	.set = mock_flip_set,
	.get = mock_flip_get,
};
module_param_cb(flip, &mock_flip_ops, NULL, 0644);
MODULE_PARM_DESC(flip, "rewrite the writable triplet copy continuously (flip variant)");

noinline long nvidia_unlocked_ioctl(struct file *file, unsigned int cmd,
				    unsigned long i_arg)
{
	void __user *arg = (void __user *)i_arg;
	u32 nr = _IOC_NR(cmd), size = _IOC_SIZE(cmd);
	u8 *buf;
	long ret = 0;

	if (_IOC_TYPE(cmd) != VUKP_NV_IOCTL_MAGIC)
		return -ENOTTY;
	if (nr == VUKP_NV_ESC_IOCTL_XFER_CMD) {
		u8 x[VUKP_XFER_SIZE];

		if (size != sizeof(x) || copy_from_user(x, arg, sizeof(x)))
			return -EINVAL;
		nr = get_unaligned_le32(x);
		size = get_unaligned_le32(x + 4);
		arg = (void __user *)(uintptr_t)get_unaligned_le64(x + 8);
	}
	if (!size || size > 4096)
		return -EINVAL;
	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, arg, size))
		ret = -EFAULT;
	else if (rm_ioctl(NULL, NULL, file->private_data, nr, buf, size))
		ret = -EINVAL;
	else if (copy_to_user(arg, buf, size))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

static int mock_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	struct mock_gpu *gpu;
	int ret = 0;

	if (minor == NV_CTL_MINOR)
		return 0;
	mutex_lock(&mock_rm_lock);
	gpu = minor < MOCK_MAX_GPUS ? mock_gpus[minor] : NULL;
	if (!gpu)
		ret = -ENODEV;
	else if (!gpu->opens && !gpu->aperture)
		ret = rm_init_adapter(gpu);	/* RmInitAdapter: first open */
	if (!ret && gpu) {
		gpu->opens++;
		file->private_data = gpu;
	}
	mutex_unlock(&mock_rm_lock);
	return ret;
}

static int mock_release(struct inode *inode, struct file *file)
{
	struct mock_gpu *gpu = file->private_data;

	if (gpu) {
		mutex_lock(&mock_rm_lock);
		gpu->opens--;	/* the aperture stays mapped (persistence) */
		mutex_unlock(&mock_rm_lock);
	}
	return 0;
}

static const struct file_operations mock_fops = {
	.owner = THIS_MODULE,
	.open = mock_open,
	.release = mock_release,
	.unlocked_ioctl = nvidia_unlocked_ioctl,
	.compat_ioctl = nvidia_unlocked_ioctl,
};

/* ---- /proc -------------------------------------------------------------- */

static int version_show(struct seq_file *m, void *v)
{
	seq_printf(m, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  %s  (vgpu_unlock_kp test mock)\n",
		   MOCK_VERSION);
	return 0;
}

static int info_show(struct seq_file *m, void *v)
{
	struct mock_gpu *g = m->private;
	char name[33] = "";
	void __iomem *p;

	p = pci_iomap_range(g->pdev, 2, 0, PAGE_SIZE);
	if (p) {
		memcpy_fromio(name, p + MOCK_FUSE_NAME, 32);
		pci_iounmap(g->pdev, p);
	}
	name[32] = 0;
	seq_printf(m, "Model: \t\t %s\nDevice Minor: \t %d\nBus Location: \t %s\nDevice Id: \t 10de:%04x\n",
		   name, g->minor, pci_name(g->pdev), g->device);
	return 0;
}

static int checksum_show(struct seq_file *m, void *v)
{
	size_t len = mock_tables_end - mock_tables_start;

	seq_printf(m, "%08x %zu\n", crc32_le(~0, mock_tables_start, len), len);
	return 0;
}

static int stats_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&mock_rm_lock);
	for (i = 0; i < MOCK_MAX_GPUS; i++) {
		struct mock_gpu *g = mock_gpus[i];

		if (!g)
			continue;
		seq_printf(m, "%s minor=%d device=%04x aperture=%s types=%u inits_ok=%u inits_failed=%u last_status=0x%x last_failed_check=%u checks=%u last_matched=%u last_index=%d last_blocks=%u in_flight=%d\n",
			   pci_name(g->pdev), g->minor, g->device,
			   READ_ONCE(g->aperture) ? "mapped" : "unmapped",
			   g->ntypes, g->inits_ok, g->inits_failed,
			   g->last_status, g->last_check, g->checks,
			   g->last_matched, g->last_index, g->last_blocks,
			   atomic_read(&g->checks_in_flight));
	}
	mutex_unlock(&mock_rm_lock);
	return 0;
}

/* Lock free: readable while a check sleeps under mock_rm_lock. */
static int checks_show(struct seq_file *m, void *v)
{
	struct mock_check_stats *c = &mock_cs;

	seq_printf(m, "knobs check_delay_ms=%u check_delay_gpu=%d concurrent_checks=%u flip=%d\n",
		   READ_ONCE(mock_check_delay_ms), READ_ONCE(mock_check_delay_gpu),
		   READ_ONCE(mock_concurrent_checks), READ_ONCE(mock_flip_on));
	seq_printf(m, "checks running=%d in_delay=%d max_running=%d checks=%d overlaps=%d delays=%d passed=%d refused=%d last_result=%d last_index=%d\n",
		   atomic_read(&c->running), atomic_read(&c->in_delay),
		   atomic_read(&c->max_running), atomic_read(&c->checks),
		   atomic_read(&c->overlaps), atomic_read(&c->delays),
		   atomic_read(&c->passed), atomic_read(&c->refused),
		   atomic_read(&c->last_result), atomic_read(&c->last_index));
	seq_printf(m, "flip running=%d triplets=%u flips=%ld\n",
		   READ_ONCE(mock_flip_task) != NULL, mock_flip_count,
		   atomic_long_read(&mock_flips));
	return 0;
}

static int checks_open(struct inode *inode, struct file *file)
{
	return single_open(file, checks_show, NULL);
}

/* "reset": zero the counters (not running/in_delay, which are live) */
static ssize_t checks_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *off)
{
	char buf[16];

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (strcmp(strim(buf), "reset"))
		return -EINVAL;
	atomic_set(&mock_cs.max_running, atomic_read(&mock_cs.running));
	atomic_set(&mock_cs.checks, 0);
	atomic_set(&mock_cs.overlaps, 0);
	atomic_set(&mock_cs.delays, 0);
	atomic_set(&mock_cs.passed, 0);
	atomic_set(&mock_cs.refused, 0);
	atomic_set(&mock_cs.last_result, 0);
	atomic_set(&mock_cs.last_index, -1);
	atomic_long_set(&mock_flips, 0);
	return len;
}

static const struct proc_ops checks_ops = {
	.proc_open = checks_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = checks_write,
};

static int layout_show(struct seq_file *m, void *v)
{
	static const char * const names[MOCK_LAYOUT_N] = {
		"sacrificial", "sac_patcher", "sac_dualcoder", "sac_first",
		"p40_first", "p40_after_sac", "vgpu_entries", "vgpu_boards",
		"other_entries", "sac_in_other", "both_lists", "flip_copy",
		"layout_seed" };
	unsigned int i;

	for (i = 0; i < MOCK_LAYOUT_N; i++)
		seq_printf(m, "%s=%d\n", names[i], (int)mock_layout[i]);
	return 0;
}

/* "<mdev uuid> <gpu bdf> <vgpu type id> [qemu pid]": a VM is starting */
static ssize_t vm_start_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *off)
{
	char buf[128], uuid[40], bdf[32];
	unsigned int type, pid = 0, i;
	struct mock_gpu *gpu = NULL;
	uuid_t u;
	int n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	n = sscanf(buf, "%39s %31s %u %u", uuid, bdf, &type, &pid);
	if (n < 3 || uuid_parse(uuid, &u))
		return -EINVAL;
	mutex_lock(&mock_rm_lock);
	for (i = 0; i < MOCK_MAX_GPUS; i++)
		if (mock_gpus[i] && !strcmp(pci_name(mock_gpus[i]->pdev), bdf))
			gpu = mock_gpus[i];
	if (gpu) {
		/* one pending start per process (pid: the writer's if not given) */
		struct mock_start *s = mock_start_slot(pid ? pid : task_tgid_nr(current));

		/* the UUID in RM's native order: u32, u16, u16, u8[8] */
		put_unaligned_le32(get_unaligned_be32(&u.b[0]), s->uuid);
		put_unaligned_le16(get_unaligned_be16(&u.b[4]), s->uuid + 4);
		put_unaligned_le16(get_unaligned_be16(&u.b[6]), s->uuid + 6);
		memcpy(s->uuid + 8, &u.b[8], 8);
		snprintf(s->config, sizeof(s->config), "vgpu_type_id=%u", type);
		s->qemu_pid = pid ? pid : task_tgid_nr(current);
		s->gpu = gpu;
		s->pending = true;
	}
	mutex_unlock(&mock_rm_lock);
	return gpu ? len : -ENODEV;
}

static int vm_start_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

/* fault injection: "key_never magic_twice unmap_between key_first" or "none" */
static ssize_t fault_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *off)
{
	static const char * const names[] = { "key_never", "magic_twice",
					       "unmap_between", "key_first" };
	char buf[128], *p, *tok;
	unsigned int f = 0, i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	p = strim(buf);
	while ((tok = strsep(&p, " ,")) != NULL) {
		if (!*tok || !strcmp(tok, "none"))
			continue;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == ARRAY_SIZE(names))
			return -EINVAL;
		f |= 1u << i;
	}
	mutex_lock(&mock_rm_lock);
	mock_fault = f;
	mutex_unlock(&mock_rm_lock);
	return len;
}

static const struct proc_ops fault_ops = {
	.proc_open = vm_start_open,
	.proc_write = fault_write,
};


static const struct proc_ops vm_start_ops = {
	.proc_open = vm_start_open,
	.proc_write = vm_start_write,
};

/* ---- PCI driver ---------------------------------------------------------- */

static int mock_bar_index(struct pci_dev *pdev, bool aperture)
{
	int i, best = -1;

	/* BAR0: the smallest memory BAR; the aperture: the largest. */
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!(pci_resource_flags(pdev, i) & IORESOURCE_MEM) ||
		    !pci_resource_len(pdev, i))
			continue;
		if (best < 0 ||
		    (aperture ? pci_resource_len(pdev, i) > pci_resource_len(pdev, best) :
				pci_resource_len(pdev, i) < pci_resource_len(pdev, best)))
			best = i;
	}
	return best;
}

static int mock_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int bar0 = mock_bar_index(pdev, false), aper = mock_bar_index(pdev, true);
	struct mock_gpu *gpu;
	void __iomem *fuse;
	void *regs;
	int minor, ret;
	u8 hdr[32];

	if (bar0 < 0 || aper < 0 || bar0 == aper)
		return -ENODEV;
	for (minor = 0; minor < MOCK_MAX_GPUS && mock_gpus[minor]; minor++)
		;
	if (minor == MOCK_MAX_GPUS)
		return -ENOSPC;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* The GPU's identity: read like config space, not through os_*. */
	fuse = pci_iomap_range(pdev, aper, 0, PAGE_SIZE);
	if (!fuse)
		return -ENOMEM;
	memcpy_fromio(hdr, fuse, sizeof(hdr));
	pci_iounmap(pdev, fuse);
	if (get_unaligned_le32(hdr) != MOCK_FUSE_SIGNATURE) {
		dev_err(&pdev->dev, "no mock GPU identity in device memory\n");
		return -ENODEV;
	}
	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return -ENOMEM;
	gpu->pdev = pdev;
	gpu->minor = minor;
	gpu->last_index = -1;
	mutex_init(&gpu->check_lock);
	gpu->device = get_unaligned_le16(hdr + MOCK_FUSE_DEVICE);
	gpu->svendor = get_unaligned_le16(hdr + MOCK_FUSE_SVENDOR);
	gpu->subsys = get_unaligned_le16(hdr + MOCK_FUSE_SUBSYS);
	gpu->revision = hdr[MOCK_FUSE_REVISION];
	gpu->magic_off = get_unaligned_le32(hdr + MOCK_FUSE_MAGIC_OFF);
	gpu->key_off = get_unaligned_le32(hdr + MOCK_FUSE_KEY_OFF);
	gpu->bar0 = pci_resource_start(pdev, bar0);
	gpu->bar0_len = pci_resource_len(pdev, bar0);
	gpu->aper = pci_resource_start(pdev, aper);
	gpu->aper_len = pci_resource_len(pdev, aper);
	if (gpu->magic_off > MOCK_APERTURE_MAP - 16 ||
	    gpu->key_off > MOCK_APERTURE_MAP - 16 ||
	    gpu->aper_len < MOCK_APERTURE_MAP) {
		dev_err(&pdev->dev, "mock GPU identity out of range\n");
		kfree(gpu);
		return -ENODEV;
	}
	/* Probe maps one page of BAR0 and unmaps it (driver-interface.md §4). */
	regs = os_map_kernel_space(gpu->bar0, min_t(u64, gpu->bar0_len,
						    PAGE_SIZE), 1);
	if (regs)
		os_unmap_kernel_space(regs, min_t(u64, gpu->bar0_len, PAGE_SIZE));

	mutex_lock(&mock_rm_lock);
	mock_gpus[minor] = gpu;
	mutex_unlock(&mock_rm_lock);
	pci_set_drvdata(pdev, gpu);
	if (proc_gpus) {
		struct proc_dir_entry *d = proc_mkdir(pci_name(pdev), proc_gpus);

		if (d)
			proc_create_single_data("information", 0444, d,
						info_show, gpu);
	}
	dev_info(&pdev->dev, "mock NVIDIA GPU 10de:%04x minor %d\n",
		 gpu->device, minor);
	return 0;
}

static void mock_remove(struct pci_dev *pdev)
{
	struct mock_gpu *gpu = pci_get_drvdata(pdev);

	if (proc_gpus)
		remove_proc_subtree(pci_name(pdev), proc_gpus);
	mutex_lock(&mock_rm_lock);
	mock_gpus[gpu->minor] = NULL;
	mock_rm_free_gpu(gpu);
	mutex_unlock(&mock_rm_lock);
	/* checks running outside mock_rm_lock (concurrent_checks) use it */
	wait_event(mock_check_wq, !atomic_read(&gpu->checks_in_flight));
	mutex_lock(&mock_rm_lock);
	rm_shutdown_adapter(gpu);
	mutex_unlock(&mock_rm_lock);
	kfree(gpu);
}

static const struct pci_device_id mock_ids[] = {
	{ PCI_DEVICE(0x1af4, 0x1110) },	/* QEMU ivshmem */
	{ }
};
MODULE_DEVICE_TABLE(pci, mock_ids);

static struct pci_driver mock_pci_driver = {
	.name = "nvidia",
	.id_table = mock_ids,
	.probe = mock_probe,
	.remove = mock_remove,
};

static int __init mock_init(void)
{
	int ret;

	ret = mock_rm_init();
	if (ret) {
		pr_err("nvidia-mock: crypto unavailable: %d\n", ret);
		return ret;
	}
	ret = register_chrdev(NV_MAJOR, "nvidia", &mock_fops);
	if (ret < 0)
		goto err_rm;
	proc_nv = proc_mkdir("driver/nvidia", NULL);
	proc_gpus = proc_nv ? proc_mkdir("gpus", proc_nv) : NULL;
	if (proc_nv)
		proc_create_single("version", 0444, proc_nv, version_show);
	proc_mock = proc_mkdir("driver/nvidia-mock", NULL);
	if (proc_mock) {
		proc_create_single("checksum", 0444, proc_mock, checksum_show);
		proc_create_single("stats", 0444, proc_mock, stats_show);
		proc_create("vm_start", 0200, proc_mock, &vm_start_ops);
		proc_create("fault", 0200, proc_mock, &fault_ops);
		proc_create("checks", 0644, proc_mock, &checks_ops);
		proc_create_single("layout", 0444, proc_mock, layout_show);
	}
	if (mock_flip_count) {
		mock_flip_orig = kmemdup(mock_flip_list, 24 * mock_flip_count,
					 GFP_KERNEL);
		if (!mock_flip_orig) {
			ret = -ENOMEM;
			goto err_proc;
		}
	}
	ret = pci_register_driver(&mock_pci_driver);
	if (ret)
		goto err_flip;
	mutex_lock(&mock_flip_lock);
	mock_live = true;
	if (mock_flip_on && mock_flip_start())
		pr_warn("nvidia-mock: flip=1 but no writable triplets to flip\n");
	mutex_unlock(&mock_flip_lock);
	pr_info("nvidia-mock: NVIDIA %s (mock) loaded\n", MOCK_VERSION);
	return 0;
err_flip:
	kfree(mock_flip_orig);
err_proc:
	proc_remove(proc_mock);
	proc_remove(proc_nv);
	unregister_chrdev(NV_MAJOR, "nvidia");
err_rm:
	mock_rm_exit();
	return ret;
}

static void __exit mock_exit(void)
{
	mutex_lock(&mock_flip_lock);
	mock_live = false;
	mock_flip_stop();
	mutex_unlock(&mock_flip_lock);
	kfree(mock_flip_orig);
	pci_unregister_driver(&mock_pci_driver);
	proc_remove(proc_mock);
	proc_remove(proc_nv);
	unregister_chrdev(NV_MAJOR, "nvidia");
	mock_rm_exit();
}

module_init(mock_init);
module_exit(mock_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(MOCK_VERSION);
MODULE_DESCRIPTION("Mock NVIDIA vGPU host driver for vgpu_unlock_kp tests");
