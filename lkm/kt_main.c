// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk: a chat device for the processes of one machine.
 *
 * Module parameters and the /dev/kerneltalk misc device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "kt.h"

/* Largest ring a room may have: rooms are many, memory is not. */
#define KT_CAPACITY_MAX		(16U << 20)
#define KT_MAX_ROOMS_MAX	4096U

unsigned int kt_capacity = 65536;
module_param_named(capacity, kt_capacity, uint, 0444);
MODULE_PARM_DESC(capacity, "Ring bytes per room, record headers included (default 65536)");

unsigned int kt_max_msg = 4096;
module_param_named(max_msg, kt_max_msg, uint, 0444);
MODULE_PARM_DESC(max_msg, "Largest message in bytes (default 4096)");

unsigned int kt_max_rooms = 128;
module_param_named(max_rooms, kt_max_rooms, uint, 0444);
MODULE_PARM_DESC(max_rooms, "Most rooms alive at once, default and named (default 128)");

unsigned int kt_max_rooms_per_user = 32;
module_param_named(max_rooms_per_user, kt_max_rooms_per_user, uint, 0444);
MODULE_PARM_DESC(max_rooms_per_user, "Most named rooms one uid may have made, without CAP_SYS_RESOURCE (default 32)");

unsigned int kt_policy = KERNELTALK_POLICY_BLOCK;
module_param_named(policy, kt_policy, uint, 0444);
MODULE_PARM_DESC(policy, "Policy of new rooms: 0 block (lossless), 1 overwrite (default 0)");

/* A mode reads best in octal, as ls and stat show it. */
static int kt_param_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%04o\n", *(unsigned int *)kp->arg);
}

static const struct kernel_param_ops kt_param_ops_mode = {
	.set = param_set_uint,
	.get = kt_param_get_mode,
};

unsigned int kt_room_mode = 0666;
module_param_cb(room_mode, &kt_param_ops_mode, &kt_room_mode, 0444);
__MODULE_PARM_TYPE(room_mode, "uint");
MODULE_PARM_DESC(room_mode, "Permission bits of rooms KERNELTALK_IOC_JOIN creates, 0 to 0777 (default 0666)");
/*
 * Long enough that no reader that keeps reading is ever overrun (even a
 * loaded machine or an emulator delays a runnable reader by seconds at
 * most), short enough that a writer held back by a suspended or hung
 * reader goes on while a person would still wait for it.
 */
unsigned int kt_stall_ms = 10000;
module_param_named(stall_ms, kt_stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms, "Under block, overrun a reader that holds writers back this long without reading (ms, 0: wait forever, at most 86400000; taken by rooms created afterwards, whose owners may change theirs; default 10000)");

static bool kt_params_valid(void)
{
	return kt_max_msg &&
	       kt_capacity <= KT_CAPACITY_MAX &&
	       kt_capacity >= KT_RECORD_SIZE(kt_max_msg) &&
	       kt_max_rooms && kt_max_rooms <= KT_MAX_ROOMS_MAX &&
	       kt_max_rooms_per_user &&
	       kt_max_rooms_per_user <= KT_MAX_ROOMS_MAX &&
	       (kt_policy == KERNELTALK_POLICY_BLOCK ||
		kt_policy == KERNELTALK_POLICY_OVERWRITE) &&
	       !(kt_room_mode & ~KERNELTALK_MODE_MASK) &&
	       kt_stall_ms <= KERNELTALK_STALL_MS_MAX;
}

static struct miscdevice kt_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kerneltalk",
	.fops = &kt_fops,
	.mode = 0666,
};

static int __init kt_init(void)
{
	int ret;

	if (!kt_params_valid()) {
		pr_err("invalid parameters: need 1 <= max_msg, max_msg + %zu <= capacity <= %u, 1 <= max_rooms <= %u, 1 <= max_rooms_per_user <= %u, policy 0 or 1, room_mode <= 0777\n",
		       sizeof(struct kerneltalk_msg), KT_CAPACITY_MAX,
		       KT_MAX_ROOMS_MAX, KT_MAX_ROOMS_MAX);
		return -EINVAL;
	}
	ret = kt_rooms_init();
	if (ret)
		return ret;
	ret = misc_register(&kt_misc);
	if (ret)
		goto out_rooms_exit;
	return 0;

out_rooms_exit:
	kt_rooms_exit();
	return ret;
}

static void __exit kt_exit(void)
{
	misc_deregister(&kt_misc);
	kt_rooms_exit();
}

module_init(kt_init);
module_exit(kt_exit);

MODULE_DESCRIPTION("KernelTalk: chat rooms for the processes of one machine");
MODULE_AUTHOR("The KernelTalk developers");
MODULE_LICENSE("GPL");
/*
 * The project's one version: dkms.conf, the Makefile's install and the
 * PowerShell module (KernelTalk.PowerShell.csproj) read it from here.
 */
MODULE_VERSION("0.1.0");
