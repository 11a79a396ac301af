// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk ioctls: flat dispatch to one small helper per call.
 */
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kt.h"

static int kt_ioctl_join(struct kt_member *m, const char __user *uname)
{
	char name[KERNELTALK_NAME_MAX];

	if (copy_from_user(name, uname, sizeof(name)))
		return -EFAULT;
	if (!memchr(name, '\0', sizeof(name)))
		return -EINVAL;
	if (name[0] && !kt_room_name_valid(name))
		return -EINVAL;
	return kt_room_join(m, name);
}

static int kt_ioctl_info(struct kt_member *m,
			 struct kerneltalk_room_info __user *uinfo)
{
	struct kerneltalk_room_info info;

	kt_room_info(m, &info);
	if (copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static int kt_ioctl_set_flags(struct kt_member *m, const __u32 __user *uflags)
{
	u32 flags;

	if (get_user(flags, uflags))
		return -EFAULT;
	if (flags & ~KERNELTALK_F_ALL)
		return -EINVAL;
	return kt_room_set_flags(m, flags);
}

static int kt_ioctl_set_policy(struct kt_member *m, const __u32 __user *upolicy)
{
	u32 policy;

	if (get_user(policy, upolicy))
		return -EFAULT;
	return kt_room_set_policy(m, policy);
}

long kt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kt_member *m = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case KERNELTALK_IOC_JOIN:
	case KERNELTALK_IOC_INFO:
	case KERNELTALK_IOC_SET_FLAGS:
	case KERNELTALK_IOC_GET_FLAGS:
	case KERNELTALK_IOC_SET_POLICY:
		break;
	default:
		return -ENOTTY;
	}

	if (mutex_lock_interruptible(&m->lock))
		return -ERESTARTSYS;
	switch (cmd) {
	case KERNELTALK_IOC_JOIN:
		ret = kt_ioctl_join(m, uarg);
		break;
	case KERNELTALK_IOC_INFO:
		ret = kt_ioctl_info(m, uarg);
		break;
	case KERNELTALK_IOC_SET_FLAGS:
		ret = kt_ioctl_set_flags(m, uarg);
		break;
	case KERNELTALK_IOC_GET_FLAGS:
		ret = put_user(READ_ONCE(m->flags), (__u32 __user *)uarg);
		break;
	default: /* KERNELTALK_IOC_SET_POLICY */
		ret = kt_ioctl_set_policy(m, uarg);
		break;
	}
	mutex_unlock(&m->lock);
	return ret;
}
