// SPDX-License-Identifier: GPL-2.0
/*
 * Mock nvidia.ko: module glue, the PCI driver bound to QEMU ivshmem-plain
 * devices standing in for GPUs, the character devices (major 195, like
 * nvidia: /dev/nvidiaN and /dev/nvidiactl, created by the test with mknod
 * as nvidia-modprobe does), nvidia_unlocked_ioctl, and /proc files.
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
#include "mock.h"
#include "unaligned.h"
#include "vukp_nvabi.h"

#define NV_MAJOR	195
#define NV_CTL_MINOR	255

static struct proc_dir_entry *proc_nv, *proc_gpus, *proc_mock;

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
		seq_printf(m, "%s minor=%d device=%04x aperture=%s types=%u inits_ok=%u inits_failed=%u last_status=0x%x last_failed_check=%u\n",
			   pci_name(g->pdev), g->minor, g->device,
			   g->aperture ? "mapped" : "unmapped", g->ntypes,
			   g->inits_ok, g->inits_failed, g->last_status,
			   g->last_check);
	}
	mutex_unlock(&mock_rm_lock);
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
		/* the UUID in RM's native order: u32, u16, u16, u8[8] */
		put_unaligned_le32(get_unaligned_be32(&u.b[0]), mock_pending_start.uuid);
		put_unaligned_le16(get_unaligned_be16(&u.b[4]), mock_pending_start.uuid + 4);
		put_unaligned_le16(get_unaligned_be16(&u.b[6]), mock_pending_start.uuid + 6);
		memcpy(mock_pending_start.uuid + 8, &u.b[8], 8);
		snprintf(mock_pending_start.config,
			 sizeof(mock_pending_start.config), "vgpu_type_id=%u",
			 type);
		mock_pending_start.qemu_pid = pid;
		mock_pending_start.gpu = gpu;
		mock_pending_start.pending = true;
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
	/* Probe maps one page of BAR0 and unmaps it (driver-model.md 4). */
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
	rm_shutdown_adapter(gpu);
	mock_rm_free_gpu(gpu);
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
	}
	ret = pci_register_driver(&mock_pci_driver);
	if (ret)
		goto err_proc;
	pr_info("nvidia-mock: NVIDIA %s (mock) loaded\n", MOCK_VERSION);
	return 0;
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
