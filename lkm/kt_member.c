// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk members: who is in a room (KERNELTALK_IOC_MEMBERS).
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "kt.h"

/* @m as the caller @self sees it. */
static void kt_member_describe(const struct kt_room *room,
			       const struct kt_member *m,
			       const struct kt_member *self,
			       struct kerneltalk_member_info *info)
{
	lockdep_assert_held(&room->lock);
	memset(info, 0, sizeof(*info));
	info->uid = from_kuid_munged(current_user_ns(), m->file->f_cred->euid);
	/* A reaped opener's number may belong to someone else by now. */
	if (pid_has_task(m->pid, PIDTYPE_TGID))
		info->pid = pid_nr_ns(m->pid, task_active_pid_ns(current));
	memcpy(info->comm, m->comm, sizeof(info->comm));
	if (m->reader) {
		info->flags |= KERNELTALK_MEMBER_READER;
		info->unread = room->next_seq - max(m->seq, room->first_seq);
	}
	if (m->file->f_mode & FMODE_WRITE)
		info->flags |= KERNELTALK_MEMBER_WRITER;
	if (READ_ONCE(m->flags) & KERNELTALK_F_NOECHO)
		info->flags |= KERNELTALK_MEMBER_NOECHO;
	if (READ_ONCE(m->flags) & KERNELTALK_F_RELAY)
		info->flags |= KERNELTALK_MEMBER_RELAY;
	if (m == self)
		info->flags |= KERNELTALK_MEMBER_SELF;
	info->joined_ns = m->joined_ns;
}

/*
 * Snapshots up to @count members of @m's room into *@infos (kvfree() it),
 * *@written of them, and the room's member count into *@total.  The
 * snapshot is taken under the locks into kernel memory, so the caller
 * copies it out with no lock held.
 */
int kt_room_members(struct kt_member *m, u32 count,
		    struct kerneltalk_member_info **infos, u32 *written,
		    u32 *total)
{
	struct kt_room *room = m->room;
	struct kerneltalk_member_info *buf = NULL;
	struct kt_member *member;
	u32 n = 0;

	lockdep_assert_held(&m->lock);
	/* Membership changes under kt_rooms_lock only: nr_members holds. */
	mutex_lock(&kt_rooms_lock);
	count = min(count, room->nr_members);
	if (count) {
		buf = kvcalloc(count, sizeof(*buf), GFP_KERNEL);
		if (!buf) {
			mutex_unlock(&kt_rooms_lock);
			return -ENOMEM;
		}
	}
	spin_lock(&room->lock);
	list_for_each_entry(member, &room->members, link) {
		if (n == count)
			break;
		kt_member_describe(room, member, m, &buf[n++]);
	}
	*total = room->nr_members;
	spin_unlock(&room->lock);
	mutex_unlock(&kt_rooms_lock);
	*infos = buf;
	*written = n;
	return 0;
}
