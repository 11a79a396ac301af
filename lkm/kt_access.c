// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk access control: who may join a room, and who may change it.
 *
 * A named room has an owner, a group and permission bits, like a POSIX
 * message queue.  JOIN checks them against the credentials the file was
 * opened with (file->f_cred), not the caller's: what a file may do is
 * fixed by whoever opened it, so a descriptor handed to a setuid program
 * grants nothing more.  A node's default room takes its access from the
 * node, which open() has checked already.  Changing a room (its access or
 * its policy) is for the calling task if it is the room's owner or has
 * CAP_SYS_ADMIN, as IPC_SET is.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "kt.h"

void kt_room_init_access(struct kt_room *room, const struct kt_member *m,
			 umode_t mode)
{
	if (room->name[0]) {
		room->owner = current_euid();
		room->group = current_egid();
		room->mode = mode;
	} else {
		room->owner = m->inode->i_uid;
	}
}

static bool kt_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *groups = cred->group_info;
	int i;

	if (gid_eq(cred->egid, gid))
		return true;
	for (i = 0; i < groups->ngroups; i++)
		if (gid_eq(groups->gid[i], gid))
			return true;
	return false;
}

/* The permission bits (MAY_READ | MAY_WRITE) the opener of @m has in @room. */
static int kt_room_granted(const struct kt_room *room,
			   const struct kt_member *m)
{
	const struct cred *cred = m->file->f_cred;
	umode_t mode = room->mode;

	lockdep_assert_held(&kt_rooms_lock);
	if (uid_eq(cred->euid, room->owner))
		mode >>= 6;
	else if (kt_cred_in_group(cred, room->group))
		mode >>= 3;
	return mode & (MAY_READ | MAY_WRITE);
}

/*
 * Whether @m may join @room: -EACCES unless its opener may do what the file
 * was opened for (or has CAP_DAC_OVERRIDE, as for a file).
 */
int kt_room_may_join(const struct kt_room *room, const struct kt_member *m)
{
	int need = 0;

	lockdep_assert_held(&kt_rooms_lock);
	if (!room->name[0])
		return 0;
	if (m->file->f_mode & FMODE_READ)
		need |= MAY_READ;
	if (m->file->f_mode & FMODE_WRITE)
		need |= MAY_WRITE;
	if ((need & ~kt_room_granted(room, m)) &&
	    !file_ns_capable(m->file, &init_user_ns, CAP_DAC_OVERRIDE))
		return -EACCES;
	return 0;
}

static bool kt_room_may_admin_locked(const struct kt_room *room)
{
	lockdep_assert_held(&kt_rooms_lock);
	return uid_eq(current_euid(), room->owner) || capable(CAP_SYS_ADMIN);
}

/* Changing @m's room: 0 for its owner or CAP_SYS_ADMIN, else -EPERM. */
int kt_room_may_admin(struct kt_member *m)
{
	int ret;

	lockdep_assert_held(&m->lock);
	mutex_lock(&kt_rooms_lock);
	ret = kt_room_may_admin_locked(m->room) ? 0 : -EPERM;
	mutex_unlock(&kt_rooms_lock);
	return ret;
}

void kt_room_get_access(struct kt_member *m,
			struct kerneltalk_room_access *access)
{
	struct user_namespace *ns = current_user_ns();
	const struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	memset(access, 0, sizeof(*access));
	mutex_lock(&kt_rooms_lock);
	if (room->name[0]) {
		access->uid = from_kuid_munged(ns, room->owner);
		access->gid = from_kgid_munged(ns, room->group);
		access->mode = room->mode;
	} else {
		access->uid = from_kuid_munged(ns, m->inode->i_uid);
		access->gid = from_kgid_munged(ns, m->inode->i_gid);
		access->mode = m->inode->i_mode & KERNELTALK_MODE_MASK;
	}
	mutex_unlock(&kt_rooms_lock);
}

int kt_room_set_access(struct kt_member *m,
		       const struct kerneltalk_room_access *access)
{
	struct user_namespace *ns = current_user_ns();
	struct kt_room *room = m->room;
	kuid_t uid = make_kuid(ns, access->uid);
	kgid_t gid = make_kgid(ns, access->gid);
	int ret = 0;

	lockdep_assert_held(&m->lock);
	if (access->reserved || access->mode & ~KERNELTALK_MODE_MASK ||
	    !uid_valid(uid) || !gid_valid(gid))
		return -EINVAL;
	mutex_lock(&kt_rooms_lock);
	if (!room->name[0]) {
		ret = -EOPNOTSUPP;
	} else if (!kt_room_may_admin_locked(room)) {
		ret = -EPERM;
	} else {
		room->owner = uid;
		room->group = gid;
		room->mode = access->mode;
	}
	mutex_unlock(&kt_rooms_lock);
	return ret;
}
