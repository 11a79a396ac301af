// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk ioctls: flat dispatch to one small helper per call.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
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
	return kt_room_join(m, name, kt_room_mode, false);
}

static int kt_ioctl_create(struct kt_member *m,
			   const struct kerneltalk_room_spec __user *uspec)
{
	struct kerneltalk_room_spec spec;

	if (copy_from_user(&spec, uspec, sizeof(spec)))
		return -EFAULT;
	if (spec.mode & ~KERNELTALK_MODE_MASK || spec.flags ||
	    memchr_inv(spec.reserved, 0, sizeof(spec.reserved)) ||
	    !kt_room_name_valid(spec.name))
		return -EINVAL;
	return kt_room_join(m, spec.name, spec.mode, true);
}

static int kt_ioctl_set_access(struct kt_member *m,
			       const struct kerneltalk_room_access __user *uacc)
{
	struct kerneltalk_room_access access;

	if (copy_from_user(&access, uacc, sizeof(access)))
		return -EFAULT;
	return kt_room_set_access(m, &access);
}

static int kt_ioctl_get_access(struct kt_member *m,
			       struct kerneltalk_room_access __user *uacc)
{
	struct kerneltalk_room_access access;

	kt_room_get_access(m, &access);
	if (copy_to_user(uacc, &access, sizeof(access)))
		return -EFAULT;
	return 0;
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

static int kt_ioctl_set_settings(struct kt_member *m,
				 const struct kerneltalk_room_settings __user *us)
{
	struct kerneltalk_room_settings settings;

	if (copy_from_user(&settings, us, sizeof(settings)))
		return -EFAULT;
	if (settings.stall_ms > KERNELTALK_STALL_MS_MAX ||
	    memchr_inv(settings.reserved, 0, sizeof(settings.reserved)))
		return -EINVAL;
	return kt_room_set_stall(m, settings.stall_ms);
}

static int kt_ioctl_get_settings(struct kt_member *m,
				 struct kerneltalk_room_settings __user *us)
{
	struct kerneltalk_room_settings settings = {
		.stall_ms = kt_room_stall_ms(m),
	};

	if (copy_to_user(us, &settings, sizeof(settings)))
		return -EFAULT;
	return 0;
}

static int kt_ioctl_members(struct kt_member *m,
			    struct kerneltalk_member_list __user *ulist)
{
	struct kerneltalk_member_info *infos;
	struct kerneltalk_member_list list;
	int ret;

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	if (list.reserved)
		return -EINVAL;
	ret = kt_room_members(m, list.count, &infos, &list.count, &list.total);
	if (ret)
		return ret;
	if (copy_to_user(u64_to_user_ptr(list.members), infos,
			 array_size(list.count, sizeof(*infos))) ||
	    copy_to_user(ulist, &list, sizeof(list)))
		ret = -EFAULT;
	kvfree(infos);
	return ret;
}

/*
 * Not under kt_member.lock: the post takes it itself and waits without it,
 * as write() does.
 */
static int kt_ioctl_post(struct file *file, struct kerneltalk_post __user *upost)
{
	struct kerneltalk_post post;
	int ret;

	/* What the VFS checks for write(). */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&post, upost, sizeof(post)))
		return -EFAULT;
	if (post.flags || memchr_inv(post.reserved, 0, sizeof(post.reserved)))
		return -EINVAL;
	ret = kt_file_post(file, u64_to_user_ptr(post.data), post.len,
			   &post.seq, &post.time_ns);
	if (ret)
		return ret;
	if (copy_to_user(upost, &post, sizeof(post)))
		return -EFAULT;
	return 0;
}

long kt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kt_member *m = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case KERNELTALK_IOC_POST:
		return kt_ioctl_post(file, uarg);
	case KERNELTALK_IOC_JOIN:
	case KERNELTALK_IOC_INFO:
	case KERNELTALK_IOC_SET_FLAGS:
	case KERNELTALK_IOC_GET_FLAGS:
	case KERNELTALK_IOC_SET_POLICY:
	case KERNELTALK_IOC_CREATE:
	case KERNELTALK_IOC_SET_ACCESS:
	case KERNELTALK_IOC_GET_ACCESS:
	case KERNELTALK_IOC_MEMBERS:
	case KERNELTALK_IOC_SET_SETTINGS:
	case KERNELTALK_IOC_GET_SETTINGS:
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
	case KERNELTALK_IOC_SET_POLICY:
		ret = kt_ioctl_set_policy(m, uarg);
		break;
	case KERNELTALK_IOC_CREATE:
		ret = kt_ioctl_create(m, uarg);
		break;
	case KERNELTALK_IOC_SET_ACCESS:
		ret = kt_ioctl_set_access(m, uarg);
		break;
	case KERNELTALK_IOC_GET_ACCESS:
		ret = kt_ioctl_get_access(m, uarg);
		break;
	case KERNELTALK_IOC_MEMBERS:
		ret = kt_ioctl_members(m, uarg);
		break;
	case KERNELTALK_IOC_SET_SETTINGS:
		ret = kt_ioctl_set_settings(m, uarg);
		break;
	default: /* KERNELTALK_IOC_GET_SETTINGS */
		ret = kt_ioctl_get_settings(m, uarg);
		break;
	}
	mutex_unlock(&m->lock);
	return ret;
}
