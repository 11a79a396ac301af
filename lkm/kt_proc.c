// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk /proc/kerneltalk: the list of rooms, one line per room.
 */
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>

#include "kt.h"

static void *kt_proc_start(struct seq_file *seq, loff_t *pos)
{
	mutex_lock(&kt_rooms_lock);
	return seq_list_start_head(&kt_rooms, *pos);
}

static void *kt_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	return seq_list_next(v, &kt_rooms, pos);
}

static void kt_proc_stop(struct seq_file *seq, void *v)
{
	mutex_unlock(&kt_rooms_lock);
}

/*
 * A named room's owner, group (in the reader's user namespace, which is the
 * room's: others are not listed) and mode; "- - -" for a default room,
 * whose access is its node's (ls -l the node).
 */
static void kt_proc_show_access(struct seq_file *seq, const struct kt_room *room)
{
	struct user_namespace *ns = seq_user_ns(seq);

	lockdep_assert_held(&kt_rooms_lock);
	if (!room->name[0]) {
		seq_puts(seq, " - - -");
		return;
	}
	seq_printf(seq, " %u %u %04o", from_kuid_munged(ns, room->owner),
		   from_kgid_munged(ns, room->group), room->mode);
}

static int kt_proc_show(struct seq_file *seq, void *v)
{
	struct kt_room *room;
	u32 stall_ms;

	if (v == &kt_rooms) {
		seq_puts(seq, "name device inode members policy messages used posted dropped owner group mode stall_ms\n");
		return 0;
	}
	room = list_entry(v, struct kt_room, link);
	if (!kt_room_visible(room, seq->file))
		return 0;
	if (room->name[0])
		seq_printf(seq, "%s - -", room->name);
	else
		seq_printf(seq, "- %u:%u %lu", MAJOR(room->node.dev),
			   MINOR(room->node.dev), room->node.ino);
	spin_lock(&room->lock);
	seq_printf(seq, " %u %s %llu %u %llu %llu", room->nr_members,
		   room->policy == KERNELTALK_POLICY_BLOCK ? "block" : "overwrite",
		   room->next_seq - room->first_seq, room->used, room->posted,
		   room->dropped);
	stall_ms = room->stall_ms;
	spin_unlock(&room->lock);
	kt_proc_show_access(seq, room);
	seq_printf(seq, " %u\n", stall_ms);
	return 0;
}

static const struct seq_operations kt_proc_ops = {
	.start = kt_proc_start,
	.next = kt_proc_next,
	.stop = kt_proc_stop,
	.show = kt_proc_show,
};

/* 0444: listing the rooms needs no privilege. */
int kt_proc_init(void)
{
	if (!proc_create_seq("kerneltalk", 0444, NULL, &kt_proc_ops))
		return -ENOMEM;
	return 0;
}

void kt_proc_exit(void)
{
	remove_proc_entry("kerneltalk", NULL);
}
