// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk file operations: every open file is a member of one room.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "kt.h"

static atomic64_t kt_member_ids = ATOMIC64_INIT(0);

static int kt_open(struct inode *inode, struct file *file)
{
	struct kt_member *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	mutex_init(&m->lock);
	init_waitqueue_head(&m->wait);
	init_waitqueue_head(&m->wr_wait);
	m->id = atomic64_inc_return(&kt_member_ids);
	m->node.dev = inode->i_sb->s_dev;
	m->node.ino = inode->i_ino;
	m->node.generation = inode->i_generation;
	m->inode = inode;
	m->file = file;
	m->reader = file->f_mode & FMODE_READ;
	m->writer = file->f_mode & FMODE_WRITE;
	m->pid = get_pid(task_tgid(current));
	get_task_comm(m->comm, current->group_leader);

	mutex_lock(&m->lock);
	ret = kt_room_join(m, "", 0, false);
	mutex_unlock(&m->lock);
	if (ret) {
		put_pid(m->pid);
		mutex_destroy(&m->lock);
		kfree(m);
		return ret;
	}
	file->private_data = m;
	return 0;
}

/* Last reference to the file: no call on it can be running any more. */
static int kt_release(struct inode *inode, struct file *file)
{
	struct kt_member *m = file->private_data;

	/* A pending message may be charged to the room: give it back first. */
	mutex_lock(&m->lock);
	kt_member_drop_pending(m);
	mutex_unlock(&m->lock);
	kt_room_leave(m);
	kt_member_free_spare(m);
	put_pid(m->pid);
	mutex_destroy(&m->lock);
	kfree(m);
	return 0;
}

/* The record header of @msg as the calling reader sees it. */
static void kt_msg_header(const struct kt_member *m, const struct kt_msg *msg,
			  struct kerneltalk_msg *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->seq = msg->seq;
	hdr->time_ns = msg->time_ns;
	hdr->len = msg->len;
	hdr->uid = from_kuid_munged(current_user_ns(), msg->uid);
	/* A reaped poster's number may be someone else's by now. */
	if (pid_has_task(msg->pid, PIDTYPE_TGID))
		hdr->pid = pid_nr_ns(msg->pid, task_active_pid_ns(current));
	hdr->flags = msg->origin == m->id ? KERNELTALK_MSG_OWN : 0;
	if (msg->text)
		hdr->flags |= KERNELTALK_MSG_RELAYED;
	hdr->lost = m->pending_lost;
	memcpy(hdr->comm, msg->comm, sizeof(hdr->comm));
}

/* Copies @msg out as one record at @ubuf; non-zero on a fault. */
static int kt_copy_record(const struct kt_member *m, const struct kt_msg *msg,
			  char __user *ubuf)
{
	struct kerneltalk_msg hdr;

	kt_msg_header(m, msg, &hdr);
	if (copy_to_user(ubuf, &hdr, sizeof(hdr)) ||
	    copy_to_user(ubuf + sizeof(hdr), msg->data, msg->len))
		return -EFAULT;
	return 0;
}

/*
 * Record mode: the pending message as one record, and with @batch the
 * following ones too, each at the next KERNELTALK_RECORD_ALIGN offset,
 * while they are there and fit.  A record that does not fit or faults
 * stays pending, so it is the first of the next read and nothing is lost.
 */
static ssize_t kt_read_records(struct kt_member *m, char __user *buf,
			       size_t count, unsigned long *gen, bool batch)
{
	size_t off = 0, end = 0;

	for (;;) {
		size_t n = KT_RECORD_SIZE(m->pending->len);

		if (n > count - off)
			return end ? end : -EMSGSIZE;
		/* The gap after the previous record reads as zeros. */
		if (clear_user(buf + end, off - end) ||
		    kt_copy_record(m, m->pending, buf + off))
			return end ? end : -EFAULT;
		end = off + n;
		off = ALIGN(end, KERNELTALK_RECORD_ALIGN);
		if (!batch || off + KT_RECORD_SIZE(1) > count) {
			kt_member_drop_pending(m);
			return end;
		}
		/* Done with this one; stop when no other one is readable. */
		if (kt_room_fetch(m, gen))
			return end;
	}
}

/*
 * Copies out (part of) the member's pending message, fetching the next one
 * first if there is none.  The message stays pending until all of it has
 * been copied, so a short buffer (-EMSGSIZE) or a fault loses nothing.
 */
static ssize_t kt_read_locked(struct kt_member *m, char __user *buf,
			      size_t count, unsigned long *gen)
{
	u32 flags = READ_ONCE(m->flags);
	struct kt_msg *msg;
	size_t n, left, len;
	int ret;

	lockdep_assert_held(&m->lock);
	if (!m->pending) {
		ret = kt_room_fetch(m, gen);
		if (ret)
			return ret;
	}
	msg = m->pending;

	if (flags & KERNELTALK_F_RECORDS)
		return kt_read_records(m, buf, count, gen,
				       flags & KERNELTALK_F_BATCH);

	/* Losses fetched in record mode, switched to stream mode since. */
	if (m->pending_lost) {
		WRITE_ONCE(m->pending_lost, 0);
		return -EPIPE;
	}
	/* The text alone: a relayed message's origin is for record readers. */
	len = msg->len - msg->text;
	n = min_t(size_t, count, len - m->pending_off);
	left = copy_to_user(buf, msg->data + msg->text + m->pending_off, n);
	/* Bytes already copied win over a late fault. */
	if (left == n)
		return -EFAULT;
	n -= left;
	m->pending_off += n;
	if (m->pending_off == len)
		kt_member_drop_pending(m);
	return n;
}

static ssize_t kt_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct kt_member *m = file->private_data;
	unsigned long gen;
	ssize_t ret;

	if (!count)
		return 0;
	for (;;) {
		if (mutex_lock_interruptible(&m->lock))
			return -ERESTARTSYS;
		ret = kt_read_locked(m, buf, count, &gen);
		mutex_unlock(&m->lock);
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			return ret;
		if (wait_event_interruptible(m->wait,
					     READ_ONCE(m->wake_gen) != gen))
			return -ERESTARTSYS;
	}
}

/* A string field of @size bytes: its NUL inside, only NULs after it. */
static bool kt_origin_str_valid(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	return len < size && !memchr_inv(s + len, 0, size - len);
}

/*
 * The form of a relayed message's envelope (uapi header): its truth is
 * the relaying process's claim, which the record header attributes.
 */
static bool kt_origin_valid(const struct kerneltalk_origin *o)
{
	return o->size == sizeof(*o) && !o->flags &&
	       !memchr_inv(o->reserved, 0, sizeof(o->reserved)) && o->host[0] &&
	       kt_origin_str_valid(o->host, sizeof(o->host)) &&
	       kt_origin_str_valid(o->user, sizeof(o->user)) &&
	       kt_origin_str_valid(o->comm, sizeof(o->comm));
}

/*
 * Writes of one file wait exclusively: the thread woken passes the
 * wake-up on when it leaves while a post could still go through.
 */
static void kt_wake_next_writer(struct kt_member *m)
{
	if (!READ_ONCE(m->blocked) && wq_has_sleeper(&m->wr_wait))
		wake_up_interruptible_poll(&m->wr_wait, EPOLLOUT | EPOLLWRNORM);
}

/*
 * Posts @count bytes at @buf as one message, for write() and
 * KERNELTALK_IOC_POST alike, and gives the sequence number and time it was
 * stamped with (0 for a count of 0, which posts nothing).  The caller has
 * checked that @file is open for writing.
 */
int kt_file_post(struct file *file, const char __user *buf, size_t count,
		 u64 *seq, u64 *time_ns)
{
	struct kt_member *m = file->private_data;
	struct kerneltalk_origin origin;
	size_t text = 0;
	struct kt_msg *msg;
	unsigned long gen;
	int ret;

	*seq = 0;
	*time_ns = 0;
	if (!count)
		return 0;
	/* Under F_RELAY the text follows an origin and obeys max_msg alone. */
	if (READ_ONCE(m->flags) & KERNELTALK_F_RELAY)
		text = sizeof(origin);
	if (count > text + kt_max_msg)
		return -EMSGSIZE;
	if (count <= text)
		return -EINVAL;
	/* Copy in before any lock: a fault must not stall the room. */
	msg = kt_msg_alloc(m, count, file->f_cred->euid);
	if (!msg)
		return -ENOMEM;
	if (copy_from_user(msg->data, buf, count)) {
		ret = -EFAULT;
		goto out_put_msg;
	}
	if (text) {
		/* data[] need not be aligned for the envelope's __u64s. */
		memcpy(&origin, msg->data, sizeof(origin));
		if (!kt_origin_valid(&origin)) {
			ret = -EINVAL;
			goto out_put_msg;
		}
		msg->text = text;
	}
	for (;;) {
		if (mutex_lock_interruptible(&m->lock)) {
			ret = -ERESTARTSYS;
			goto out_put_msg;
		}
		ret = kt_room_post(m, msg, &gen, seq, time_ns);
		mutex_unlock(&m->lock);
		if (!ret) {
			kt_wake_next_writer(m);
			return 0;
		}
		if (ret != -EAGAIN || (file->f_flags & O_NONBLOCK))
			goto out_put_msg;
		/* One writing thread at a time, as pipe_write(). */
		ret = wait_event_interruptible_exclusive(m->wr_wait,
							 READ_ONCE(m->wake_gen) != gen);
		if (ret) {
			kt_wake_next_writer(m);
			goto out_put_msg;
		}
	}
out_put_msg:
	kt_msg_put(msg);
	return ret;
}

/* The VFS lets only a file open for writing here. */
static ssize_t kt_write(struct file *file, const char __user *buf,
			size_t count, loff_t *ppos)
{
	u64 seq, time_ns;
	int ret;

	ret = kt_file_post(file, buf, count, &seq, &time_ns);
	return ret ? ret : count;
}

static __poll_t kt_poll(struct file *file, poll_table *wait)
{
	struct kt_member *m = file->private_data;
	__poll_t mask = 0;

	/*
	 * Lockless, as pipe_poll(): a read may hold m->lock for as long as
	 * its copy_to_user() faults.  Every change that makes the file
	 * readable or writable wakes m->wait or m->wr_wait after making it.
	 */
	poll_wait(file, &m->wait, wait);
	poll_wait(file, &m->wr_wait, wait);
	if (m->reader) {
		if (READ_ONCE(m->lost) || READ_ONCE(m->pending_lost))
			mask |= EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLPRI;
		else if (READ_ONCE(m->pending) ||
			 READ_ONCE(m->seq) != READ_ONCE(m->room_next))
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	if (m->writer && !READ_ONCE(m->blocked))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/* Only the two cursor moves /dev/kmsg also knows: history and end. */
static loff_t kt_llseek(struct file *file, loff_t offset, int whence)
{
	struct kt_member *m = file->private_data;

	if (offset || (whence != SEEK_SET && whence != SEEK_END))
		return -EINVAL;
	if (mutex_lock_interruptible(&m->lock))
		return -ERESTARTSYS;
	kt_room_seek(m, whence == SEEK_SET);
	mutex_unlock(&m->lock);
	return 0;
}

const struct file_operations kt_fops = {
	.owner = THIS_MODULE,
	.open = kt_open,
	.release = kt_release,
	.read = kt_read,
	.write = kt_write,
	.poll = kt_poll,
	.llseek = kt_llseek,
	.unlocked_ioctl = kt_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
