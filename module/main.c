// SPDX-License-Identifier: GPL-2.0
/*
 * vgpu_unlock_kp: lets NVIDIA's vGPU host driver accept consumer GPUs, by
 * kprobes on the driver's interface layer.  See docs/how-it-works.md.
 *
 * This file: module init/exit, and arming per nvidia instance (at load if
 * nvidia is live, else from a module notifier when nvidia is COMING;
 * disarmed when it is GOING).  All of it in process context, under
 * vukp_mutex.
 */
#include <linux/module.h>
#include <linux/delay.h>
#include "vukp.h"

#define VUKP_GRACE_MS 200	/* see vukp_disarm() */

/* arming, the GPU table's writers, status readers */
DEFINE_MUTEX(vukp_mutex);
struct vukp_nv_info vukp_nv;
const struct module *vukp_nv_mod;	/* the nvidia instance handled */
static bool vukp_armed;
static bool vukp_unloading;	/* exit or failed init: arm no more */

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
	struct vukp_tables *t = &vukp_tab;
	unsigned long flags;
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
	ret = vukp_tables_find(nv, t, &why);
	if (ret) {
		vukp_probes_unregister();
		vukp_refuse(why);
		return;
	}

	raw_spin_lock_irqsave(&vukp_lock, flags);
	memset(vukp_models, 0, sizeof(vukp_models));
	memset(vukp_cls_reserved, 0, sizeof(vukp_cls_reserved));
	memset(&vukp_patch_time, 0, sizeof(vukp_patch_time));
	vukp_stopping = false;
	raw_spin_unlock_irqrestore(&vukp_lock, flags);

	vukp_gpus_init(nv);
	vukp_probes_enable();
	vukp_armed = true;
	vukp_nv.state = VUKP_NV_ARMED;
	pr_info("nvidia %s: armed: %u other boards, %u vGPU-capable entries, %u sacrificial slots (%u+%u), %u decoys; searched %lu KiB in %llu us\n",
		vukp_nv.version, t->nother, t->nvgpu, t->nslots, t->ncls[0],
		t->ncls[1], t->decoys, t->scanned >> 10,
		div_u64(t->scan_ns, NSEC_PER_USEC));
}

/* @going: nvidia's exit has run, none of its code can run any more. */
static void vukp_disarm(bool going)
{
	unsigned long flags;

	lockdep_assert_held(&vukp_mutex);
	if (vukp_armed) {
		raw_spin_lock_irqsave(&vukp_lock, flags);
		vukp_stopping = true;
		vukp_restore_all();
		raw_spin_unlock_irqrestore(&vukp_lock, flags);
		vukp_probes_unregister();
		vukp_gpus_exit();
		/*
		 * An RM check that loaded a slot pointer just before the
		 * restore may still read our record: such a check is a few
		 * memcmp/HMAC/AES steps inside one RM call.  Give it time
		 * before the records go (no exact drain without an int3
		 * probe on rm_ioctl: see probes.c).  Not needed once nvidia's
		 * exit has run.
		 */
		if (!going)
			msleep(VUKP_GRACE_MS);
		vukp_tables_free(&vukp_tab);
		memset(vukp_models, 0, sizeof(vukp_models));
		vukp_armed = false;
		pr_info("nvidia %s: disarmed, tables restored\n",
			vukp_nv.version);
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

	ret = vukp_catalog_init();
	if (ret)
		return ret;
	ret = vukp_pci_notifier_register();
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
	vukp_pci_notifier_unregister();
err:
	pr_err("cannot load (error %d)\n", ret);
	return ret;
}

static void __exit vukp_exit(void)
{
	vukp_status_exit();
	vukp_shutdown();
	vukp_pci_notifier_unregister();
	pr_info("unloaded\n");
}

module_init(vukp_init);
module_exit(vukp_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vgpu_unlock_kp contributors");
MODULE_DESCRIPTION("Unlock vGPU on consumer NVIDIA GPUs through kprobes on nvidia.ko");
MODULE_VERSION(VUKP_VERSION);
