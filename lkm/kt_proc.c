// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk /proc/kerneltalk: the list of rooms, one line per room.
 */
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

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

static int kt_proc_show(struct seq_file *seq, void *v)
{
	struct kt_room *room;

	if (v == &kt_rooms) {
		seq_puts(seq, "name device inode members policy messages used posted dropped\n");
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
	seq_printf(seq, " %u %s %llu %u %llu %llu\n", room->nr_members,
		   room->policy == KERNELTALK_POLICY_BLOCK ? "block" : "overwrite",
		   room->next_seq - room->first_seq, room->used, room->posted,
		   room->dropped);
	spin_unlock(&room->lock);
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
