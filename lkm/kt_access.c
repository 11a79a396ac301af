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
 *
 * Isolation: the names of named rooms are per user namespace, the one of
 * the credentials a file was opened with.  A container with a user
 * namespace of its own therefore neither sees, lists nor joins the host's
 * named rooms, whatever /dev, IPC or pid namespace it has: the user
 * namespace is what the kernel already uses to scope ownership, and its
 * reference can be held by a module (an IPC namespace's cannot:
 * put_ipc_ns() is not exported).  The host shares on purpose by handing
 * in a descriptor it opened (its JOINs resolve names in the host's
 * namespace) or a device node (a node is a room: its default room is
 * shared with whoever can open the node).  Capabilities count in the
 * room's namespace, so a container's root is root over its own rooms only.
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
		room->user_ns = get_user_ns(m->file->f_cred->user_ns);
	} else {
		room->owner = m->inode->i_uid;
		room->user_ns = get_user_ns(m->inode->i_sb->s_user_ns);
	}
}

void kt_room_exit_access(struct kt_room *room)
{
	put_user_ns(room->user_ns);
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

/* The permission bits (MAY_READ | MAY_WRITE) @cred has in a named room. */
static int kt_room_granted(const struct kt_room *room, const struct cred *cred)
{
	umode_t mode = room->mode;

	lockdep_assert_held(&kt_rooms_lock);
	if (uid_eq(cred->euid, room->owner))
		mode >>= 6;
	else if (kt_cred_in_group(cred, room->group))
		mode >>= 3;
	return mode & (MAY_READ | MAY_WRITE);
}

/* Whether the opener of @file may do @need in @room (@need: MAY_*). */
static bool kt_room_permits(const struct kt_room *room,
			    const struct file *file, int need)
{
	if (!room->name[0])
		return true;
	if (file->f_cred->user_ns != room->user_ns)
		return false;
	return !(need & ~kt_room_granted(room, file->f_cred)) ||
	       file_ns_capable(file, room->user_ns, CAP_DAC_OVERRIDE);
}

/*
 * Whether @m may join @room: -EACCES unless its opener may do what the file
 * was opened for (or has CAP_DAC_OVERRIDE, as for a file).
 */
int kt_room_may_join(const struct kt_room *room, const struct kt_member *m)
{
	int need = 0;

	lockdep_assert_held(&kt_rooms_lock);
	if (m->file->f_mode & FMODE_READ)
		need |= MAY_READ;
	if (m->file->f_mode & FMODE_WRITE)
		need |= MAY_WRITE;
	return kt_room_permits(room, m->file, need) ? 0 : -EACCES;
}

/*
 * Whether /proc/kerneltalk, opened as @file, lists @room: the named rooms
 * its opener could join, for reading or for writing, and the default rooms
 * of nodes on file systems of its user namespace.
 */
bool kt_room_visible(const struct kt_room *room, const struct file *file)
{
	lockdep_assert_held(&kt_rooms_lock);
	if (!room->name[0])
		return room->user_ns == file->f_cred->user_ns;
	return kt_room_permits(room, file, MAY_READ) ||
	       kt_room_permits(room, file, MAY_WRITE);
}

static bool kt_room_may_admin_locked(const struct kt_room *room)
{
	lockdep_assert_held(&kt_rooms_lock);
	return uid_eq(current_euid(), room->owner) ||
	       ns_capable(room->user_ns, CAP_SYS_ADMIN);
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
