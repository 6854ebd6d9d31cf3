// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_unlock_kp: lets NVIDIA's vGPU host driver accept consumer GPUs, by
 * kprobes on the driver's interface layer.  See docs/how-it-works.md.
 *
 * This file: module init/exit, and arming per nvidia instance (at load if
 * nvidia is live, else from a module notifier when nvidia is COMING;
 * disarmed when it is GOING); the PCI notifier that follows GPUs coming
 * and going.  All of it in process context, under vukp_mutex.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include "main.h"
#include "catalog.h"
#include "gpu.h"
#include "unlock.h"
#include "probes.h"
#include "status.h"
#include "crypto.h"
#include "compat.h"

/* arming, the GPU table's writers, status readers */
static DEFINE_MUTEX(vukp_mutex);
static struct vukp_nv_info vukp_nv;
static const struct module *vukp_nv_mod;	/* the nvidia instance handled */
static bool vukp_armed;
static bool vukp_unloading;	/* exit or failed init: arm no more */

void vukp_arming_lock(void)
{
	mutex_lock(&vukp_mutex);
}

int vukp_arming_lock_interruptible(void)
{
	return mutex_lock_interruptible(&vukp_mutex);
}

void vukp_arming_unlock(void)
{
	mutex_unlock(&vukp_mutex);
}

void vukp_arming_assert_held(void)
{
	lockdep_assert_held(&vukp_mutex);
}

void vukp_nv_info(struct vukp_nv_info *out)
{
	lockdep_assert_held(&vukp_mutex);
	*out = vukp_nv;
}

static void vukp_refuse(const char *why)
{
	vukp_nv.state = VUKP_NV_REFUSED;
	if (why != vukp_nv.reason)
		strscpy(vukp_nv.reason, why, sizeof(vukp_nv.reason));
	pr_err("nvidia %s: %s; nothing armed, nothing changed\n",
	       vukp_nv.version, why);
}

static void vukp_arm(struct module *nv)
{
	struct vukp_unlock_stats st;
	const char *why;
	int ret;

	lockdep_assert_held(&vukp_mutex);
	vukp_nv_mod = nv;
	vukp_nv.loads++;
	vukp_nv.reason[0] = '\0';
	strscpy(vukp_nv.version, nv->version ?: "(no version)",
		sizeof(vukp_nv.version));

	ret = vukp_probes_register(nv, &why);
	if (ret) {
		snprintf(vukp_nv.reason, sizeof(vukp_nv.reason),
			 "cannot probe %s (error %d%s)", why, ret,
			 ret == -ENOENT ? ": the driver has no such symbol" : "");
		vukp_refuse(vukp_nv.reason);
		return;
	}
	ret = vukp_unlock_arm(nv, &why);
	if (ret) {
		vukp_probes_unregister();
		vukp_refuse(why);
		return;
	}
	vukp_gpus_init(nv);
	vukp_probes_enable();
	vukp_armed = true;
	vukp_nv.state = VUKP_NV_ARMED;
	vukp_unlock_stats(&st);
	pr_info("nvidia %s: armed%s: %u other boards, %u vGPU-capable entries, %u sacrificial (%u+%u), %u usable with borrow=%d, %u decoys; searched %lu KiB in %llu us\n",
		vukp_nv.version,
		st.dry ? " for a dry run (nothing is written into nvidia's memory)" : "",
		st.nother, st.nvgpu,
		st.nsac[VUKP_KIND_SAC_DUALCODER] + st.nsac[VUKP_KIND_SAC_PATCHER],
		st.nsac[VUKP_KIND_SAC_DUALCODER], st.nsac[VUKP_KIND_SAC_PATCHER],
		st.usable, st.borrow, st.decoys, st.scanned >> 10,
		div_u64(st.scan_ns, NSEC_PER_USEC));
}

/* @going: nvidia's exit has run, none of its code can run any more. */
static void vukp_disarm(bool going)
{
	struct vukp_unlock_stats st;
	unsigned long parked;
	bool dry;

	lockdep_assert_held(&vukp_mutex);
	if (vukp_armed) {
		vukp_unlock_stats(&st);
		parked = st.parked;
		dry = st.dry;
		vukp_unlock_disarm(going);
		vukp_probes_unregister();
		vukp_gpus_exit();
		vukp_armed = false;
		vukp_unlock_stats(&st);
		if (st.parked != parked)
			pr_info("nvidia %s: kept %lu bytes of records it may still be reading (freed at reboot)\n",
				vukp_nv.version, st.parked - parked);
		pr_info("nvidia %s: disarmed, %s\n", vukp_nv.version,
			dry ? "dry run: nothing was written" : "tables restored");
	}
	vukp_nv_mod = NULL;
	vukp_nv.state = VUKP_NV_ABSENT;
}

static int vukp_module_cb(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "nvidia"))
		return NOTIFY_DONE;
	mutex_lock(&vukp_mutex);
	if (action == MODULE_STATE_COMING && vukp_nv_mod != mod &&
	    !vukp_unloading) {
		vukp_disarm(false);
		vukp_arm(mod);
	} else if (action == MODULE_STATE_GOING && vukp_nv_mod == mod) {
		vukp_disarm(true);
	}
	mutex_unlock(&vukp_mutex);
	return NOTIFY_OK;
}

static struct notifier_block vukp_module_nb = {
	.notifier_call = vukp_module_cb,
};

static int vukp_pci_cb(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	bool changed = false;

	if (action != BUS_NOTIFY_BOUND_DRIVER &&
	    action != BUS_NOTIFY_UNBIND_DRIVER)
		return NOTIFY_DONE;
	mutex_lock(&vukp_mutex);
	if (vukp_armed) {
		if (action == BUS_NOTIFY_BOUND_DRIVER)
			changed = vukp_gpu_bound(pdev) || vukp_gpus_overflow();
		else
			changed = vukp_gpu_unbinding(pdev);
	}
	if (changed) {
		vukp_unlock_rebalance();
		vukp_copy_probe_update();	/* a GPU to identify */
	}
	mutex_unlock(&vukp_mutex);
	return NOTIFY_OK;
}

static struct notifier_block vukp_pci_nb = {
	.notifier_call = vukp_pci_cb,
};

/*
 * Disarm while the module notifier is still registered: an nvidia going
 * away at the same time then waits in it for vukp_mutex, so its memory
 * (the slots we restore) cannot be freed under us.
 */
static void vukp_shutdown(void)
{
	mutex_lock(&vukp_mutex);
	vukp_unloading = true;
	vukp_disarm(false);
	mutex_unlock(&vukp_mutex);
	unregister_module_notifier(&vukp_module_nb);
	vukp_probes_flush();	/* no handler can queue it any more */
}

static int __init vukp_init(void)
{
	struct module *nv;
	int ret;

	ret = vukp_crypto_selftest();
	if (ret) {
		pr_err("the record crypto fails its known-answer test (error %d): not loaded\n",
		       ret);
		return ret;
	}
	ret = vukp_catalog_init();
	if (ret)
		return ret;
	ret = bus_register_notifier(&pci_bus_type, &vukp_pci_nb);
	if (ret)
		goto err;
	ret = register_module_notifier(&vukp_module_nb);
	if (ret)
		goto err_pci;

	mutex_lock(&vukp_mutex);
	nv = vukp_module_get("nvidia", false);
	if (nv) {
		if (vukp_nv_mod != nv)
			vukp_arm(nv);
		module_put(nv);
	}
	mutex_unlock(&vukp_mutex);

	ret = vukp_status_init();
	if (ret)
		goto err_arm;
	pr_info("version %s loaded; %s\n", VUKP_VERSION,
		vukp_armed ? "armed" : nv ? "nvidia refused (see above)" :
		"waiting for nvidia");
	return 0;

err_arm:
	vukp_shutdown();
err_pci:
	bus_unregister_notifier(&pci_bus_type, &vukp_pci_nb);
err:
	pr_err("cannot load (error %d)\n", ret);
	return ret;
}

static void __exit vukp_exit(void)
{
	vukp_status_exit();
	vukp_shutdown();
	bus_unregister_notifier(&pci_bus_type, &vukp_pci_nb);
	pr_info("unloaded\n");
}

module_init(vukp_init);
module_exit(vukp_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vgpu_unlock_kp contributors");
MODULE_DESCRIPTION("Unlock vGPU on consumer NVIDIA GPUs through kprobes on nvidia.ko");
MODULE_VERSION(VUKP_VERSION);
