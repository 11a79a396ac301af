// SPDX-License-Identifier: GPL-2.0
/*
 * kerneltalk-client - chat through /dev/kerneltalk from a terminal.
 *
 * Every line typed on stdin is posted as one message; messages posted by
 * others in the same room are printed as
 *
 *	[HH:MM:SS] user(comm:pid) #seq: text
 *
 * and messages a bridge relayed from another machine, with the origin it
 * claims first and the kernel's stamp of the bridge after "via", as
 *
 *	[HH:MM:SS] user@host(comm:pid) via user(comm:pid) #seq: text
 *
 * The device is read in record mode so that the kernel's stamps (sender,
 * time, sequence number, own flag, relayed flag, lost count) come with
 * every message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kerneltalk.h>

#define DEFAULT_DEVICE	"/dev/kerneltalk"
#define PROC_ROOMS	"/proc/kerneltalk"
#define LOAD_HINT	"is the kerneltalk module loaded? (sudo insmod lkm/kerneltalk.ko)"

/* Records read per poll wake-up, so that a busy room cannot starve stdin. */
#define READ_BURST	64

static const char *prog = "kerneltalk-client";
static const char *devpath = DEFAULT_DEVICE;

/* Set by the signal handler; the main loop only sees it inside ppoll(). */
static volatile sig_atomic_t stop_signal;
/* Signal mask in effect while waiting: SIGINT/SIGTERM/SIGHUP unblocked. */
static sigset_t wait_mask;

struct options {
	const char *room;
	const char *create;	/* room to create (KERNELTALK_IOC_CREATE) */
	long mode;		/* its permission bits; < 0: not given */
	bool history;
	bool info;
	bool list;
	bool who;
	double linger;		/* seconds; < 0: not given */
};

/* Mode of a room made with --create and no --mode: the creator's alone. */
#define CREATE_MODE	0600

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [DEVICE] [OPTIONS]\n"
		"Chat through a KernelTalk device (default %s).\n"
		"Each line read from stdin is posted as one message; messages of\n"
		"others in the room are printed as\n"
		"  [HH:MM:SS] user(comm:pid) #seq: text\n"
		"and messages relayed from another machine, origin first, as\n"
		"  [HH:MM:SS] user@host(comm:pid) via user(comm:pid) #seq: text\n"
		"\n"
		"Options:\n"
		"  -r, --room NAME      join the named room (1..31 of A-Z a-z 0-9 . _ -)\n"
		"                       instead of the device node's default room\n"
		"                       (made if new, mode from the module's room_mode)\n"
		"  -c, --create NAME    create the named room, owned by you, and join it\n"
		"  -m, --mode MODE      with --create: its permission bits, octal\n"
		"                       (default %04o: yours alone; 0660 adds your group)\n"
		"  -H, --history        first print the messages the room retains\n"
		"  -l, --linger SECS    when stdin is not a terminal: keep receiving\n"
		"                       for SECS seconds after its end, then exit\n"
		"  -i, --info           print the room's state and exit\n"
		"  -w, --who            print the room's members and exit\n"
		"  -L, --list           print the room list (%s) and exit\n"
		"  -h, --help           show this help\n"
		"\n"
		"Ctrl+D (end of input), Ctrl+C or SIGTERM leaves the room.\n"
		"Your own lines are not printed again when typed on a terminal;\n"
		"with stdin from a pipe or file they are printed like any other.\n",
		prog, DEFAULT_DEVICE, CREATE_MODE, PROC_ROOMS);
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Signals stay blocked except inside ppoll(), so a Ctrl+C can never slip
 * in between testing stop_signal and going to sleep.
 */
static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* A closed stdout shows up as EPIPE from write(), handled there. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ppoll() with the wait mask; timeout_ms < 0 waits forever. */
static int wait_events(struct pollfd *fds, nfds_t n, int64_t timeout_ms)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	return ppoll(fds, n, tsp, &wait_mask);
}

/*
 * Write all of buf to a pipe, file or terminal: stdout may be a pipe that
 * takes only part of a line, or non-blocking because a shell left it so.
 */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (wait_events(&p, 1, -1) < 0 && errno != EINTR)
				return -1;
			if (stop_signal)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

static bool valid_room_name(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len >= KERNELTALK_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return false;
	}
	return true;
}

static void bad_room_name(const char *name)
{
	fprintf(stderr,
		"%s: bad room name '%s': use 1..%d characters of A-Z a-z 0-9 . _ -\n",
		prog, name, KERNELTALK_NAME_MAX - 1);
}

/* Explain a failed open() of the device in terms of what to do about it. */
static void explain_open_error(const char *path, int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
		fprintf(stderr, "%s: no such device — " LOAD_HINT "\n", path);
		break;
	case ENODEV:
	case ENXIO:
		fprintf(stderr, "%s: no driver behind this node — " LOAD_HINT "\n",
			path);
		break;
	case EACCES:
	case EPERM:
		if (stat(path, &st) == 0) {
			struct passwd *pw = getpwuid(st.st_uid);
			struct group *gr = getgrgid(st.st_gid);
			char owner[32], group[32];

			if (pw)
				snprintf(owner, sizeof(owner), "%s", pw->pw_name);
			else
				snprintf(owner, sizeof(owner), "%u",
					 (unsigned int)st.st_uid);
			if (gr)
				snprintf(group, sizeof(group), "%s", gr->gr_name);
			else
				snprintf(group, sizeof(group), "%u",
					 (unsigned int)st.st_gid);
			fprintf(stderr,
				"%s: permission denied — the node is mode %04o, owner %s, group %s;\n"
				"  join group '%s' (then log in again), or let a udev rule set\n"
				"  GROUP/MODE, e.g. KERNEL==\"kerneltalk\", GROUP=\"%s\", MODE=\"0660\"\n",
				path, (unsigned int)(st.st_mode & 07777), owner,
				group, group, group);
		} else {
			fprintf(stderr,
				"%s: permission denied — check the node's group and mode (ls -l %s)\n",
				path, path);
		}
		break;
	case ENOSPC:
		fprintf(stderr,
			"%s: too many rooms exist (module parameter max_rooms)\n",
			path);
		break;
	default:
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(err));
		break;
	}
}

/* Copy /proc/kerneltalk to stdout. */
static int list_rooms(void)
{
	char buf[4096];
	int fd = open(PROC_ROOMS, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "%s: not found — " LOAD_HINT "\n",
				PROC_ROOMS);
		else
			fprintf(stderr, "%s: %s\n", PROC_ROOMS, strerror(errno));
		return 1;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	}
	if (n < 0)
		fprintf(stderr, "%s: %s\n", PROC_ROOMS, strerror(errno));
	close(fd);
	return n < 0 ? 1 : 0;
}

static int get_info(int fd, struct kerneltalk_room_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, KERNELTALK_IOC_INFO, info) < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			fprintf(stderr, "%s: not a kerneltalk device\n", devpath);
		else
			fprintf(stderr, "%s: room info: %s\n", devpath,
				strerror(errno));
		return -1;
	}
	return 0;
}

static void print_info(const struct kerneltalk_room_info *info)
{
	printf("device:    %s\n"
	       "room:      %s\n"
	       "members:   %u\n"
	       "policy:    %s\n"
	       "capacity:  %u bytes\n"
	       "used:      %u bytes\n"
	       "max_msg:   %u bytes\n"
	       "first_seq: %llu\n"
	       "next_seq:  %llu\n"
	       "posted:    %llu\n"
	       "dropped:   %llu\n",
	       devpath, info->name[0] ? info->name : "(default room of the node)",
	       info->members,
	       info->policy == KERNELTALK_POLICY_OVERWRITE ? "overwrite" :
	       info->policy == KERNELTALK_POLICY_BLOCK ? "block" : "unknown",
	       info->capacity, info->used, info->max_msg,
	       (unsigned long long)info->first_seq,
	       (unsigned long long)info->next_seq,
	       (unsigned long long)info->posted,
	       (unsigned long long)info->dropped);
	fflush(stdout);
}

/* getpwuid() reads files each time; a chat repeats the same few senders. */
static const char *user_name(uint32_t uid, char *fallback, size_t size)
{
	static struct {
		uint32_t uid;
		char name[33];
		bool valid;
	} cache[16];
	static unsigned int next;
	struct passwd *pw;
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (cache[i].valid && cache[i].uid == uid)
			return cache[i].name;

	pw = getpwuid(uid);
	if (!pw || strlen(pw->pw_name) >= sizeof(cache[0].name)) {
		snprintf(fallback, size, "%u", uid);
		return fallback;
	}
	i = next++ % 16;
	cache[i].uid = uid;
	cache[i].valid = true;
	snprintf(cache[i].name, sizeof(cache[i].name), "%s", pw->pw_name);
	return cache[i].name;
}

/*
 * Append the payload to out, escaping control bytes: the text comes from
 * other users, and raw escape sequences would let them drive our terminal.
 * One trailing newline (from `echo hi > /dev/kerneltalk`) is dropped.
 */
static size_t escape_text(char *out, const unsigned char *p, size_t len)
{
	size_t o = 0;

	if (len && p[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

static int print_lost(uint64_t lost)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "-- %llu message%s lost --\n",
			 (unsigned long long)lost, lost == 1 ? "" : "s");

	return write_all(STDOUT_FILENO, line, (size_t)n);
}

struct session {
	int fd;
	bool echo_own;		/* print messages posted through our own file */
	struct kerneltalk_room_info info;

	unsigned char *rx;	/* one record: header + max_msg payload */
	size_t rx_size;
	char *out;		/* one formatted line, escapes included */

	char *in;		/* stdin bytes not yet posted */
	size_t in_len;
	size_t in_size;
	bool discarding;	/* skipping the rest of a too long line */
	size_t discarded;	/* its bytes so far, to report its length */
	bool in_eof;
};

/* A NUL-padded field of the origin envelope, escaped as text is. */
static size_t escape_field(char *out, const char *field, size_t size)
{
	return escape_text(out, (const unsigned char *)field,
			   strnlen(field, size));
}

/*
 * "user@host(comm:pid) via ": the origin a bridge claims for a relayed
 * message (its user's uid when it names none).  It comes from the bridge,
 * so it is escaped; the kernel's stamp of the bridge follows.
 */
static size_t format_origin(char *out, const struct kerneltalk_origin *org)
{
	size_t o = 0;

	if (org->user[0])
		o += escape_field(out, org->user, sizeof(org->user));
	else
		o += (size_t)sprintf(out, "%u", org->uid);
	out[o++] = '@';
	o += escape_field(out + o, org->host, sizeof(org->host));
	out[o++] = '(';
	o += escape_field(out + o, org->comm, sizeof(org->comm));
	o += (size_t)sprintf(out + o, ":%u) via ", org->pid);
	return o;
}

static int print_record(struct session *s, size_t n)
{
	const struct kerneltalk_msg *m = (const void *)s->rx;
	const unsigned char *text = s->rx + sizeof(*m);
	struct kerneltalk_origin org;
	char uidbuf[16], stamp[16];
	const char *user;
	char comm[KERNELTALK_COMM_LEN + 1];
	struct tm tm;
	time_t secs;
	size_t o, len;

	if (n < sizeof(*m) || n < sizeof(*m) + m->len) {
		fprintf(stderr, "%s: short record (%zu bytes) from the device\n",
			prog, n);
		return -1;
	}
	len = m->len;
	if (m->flags & KERNELTALK_MSG_RELAYED) {
		/* The text follows org.size bytes: the envelope may grow. */
		if (len >= sizeof(org))
			memcpy(&org, text, sizeof(org));
		if (len < sizeof(org) || org.size < sizeof(org) ||
		    org.size > len) {
			fprintf(stderr, "%s: relayed record #%llu without a whole origin\n",
				prog, (unsigned long long)m->seq);
			return -1;
		}
		text += org.size;
		len -= org.size;
	}
	if (m->lost && print_lost(m->lost) < 0)
		return -1;
	if ((m->flags & KERNELTALK_MSG_OWN) && !s->echo_own)
		return 0;

	secs = (time_t)(m->time_ns / 1000000000ULL);
	if (localtime_r(&secs, &tm))
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	else
		snprintf(stamp, sizeof(stamp), "??:??:??");
	user = user_name(m->uid, uidbuf, sizeof(uidbuf));
	memcpy(comm, m->comm, KERNELTALK_COMM_LEN);
	comm[KERNELTALK_COMM_LEN] = '\0';

	o = (size_t)sprintf(s->out, "[%s] ", stamp);
	if (m->flags & KERNELTALK_MSG_RELAYED)
		o += format_origin(s->out + o, &org);
	o += (size_t)sprintf(s->out + o, "%s(%s:%u) #%llu: ", user, comm,
			     m->pid, (unsigned long long)m->seq);
	o += escape_text(s->out + o, text, len);
	s->out[o++] = '\n';
	return write_all(STDOUT_FILENO, s->out, o);
}

/*
 * Read and print up to READ_BURST records; returns 1 when more may be
 * waiting, 0 when the device has nothing more, -1 on a fatal error.
 */
static int receive(struct session *s)
{
	for (int i = 0; i < READ_BURST; i++) {
		ssize_t n = read(s->fd, s->rx, s->rx_size);

		if (n > 0) {
			if (print_record(s, (size_t)n) < 0)
				return -1;
			continue;
		}
		if (n == 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			return 0;
		case EPIPE:
			/* Stream-mode style overrun report; count unknown. */
			if (write_all(STDOUT_FILENO, "-- messages lost --\n",
				      20) < 0)
				return -1;
			continue;
		case EMSGSIZE:
			fprintf(stderr,
				"%s: a message larger than max_msg (%u) arrived\n",
				prog, s->info.max_msg);
			return -1;
		default:
			fprintf(stderr, "%s: read: %s\n", devpath,
				strerror(errno));
			return -1;
		}
	}
	return 1;
}

/*
 * Before leaving, print what already arrived -- with piped input that
 * includes the echo of our last posts.  Bounded, so that a busy room
 * cannot keep us here.
 */
static int drain(struct session *s)
{
	for (int i = 0; i < 256; i++) {
		int r = receive(s);

		if (r <= 0)
			return r;
	}
	return 0;
}

static void too_long(const struct session *s, size_t len)
{
	fprintf(stderr,
		"%s: message too long (%zu bytes; the limit is %u bytes) — not sent\n",
		prog, len, s->info.max_msg);
}

/* Drop the first n bytes of the input buffer. */
static void consume_input(struct session *s, size_t n)
{
	memmove(s->in, s->in + n, s->in_len - n);
	s->in_len -= n;
}

/*
 * Post the complete lines in the input buffer, one message each.
 * Returns 1 when the device is full (wait for POLLOUT), 0 when all that
 * can be posted is posted, -1 on a fatal error.
 */
static int send_lines(struct session *s)
{
	for (;;) {
		char *nl = memchr(s->in, '\n', s->in_len);
		size_t take, len;
		ssize_t n;

		if (!nl) {
			if (s->in_len == s->in_size) {
				/*
				 * Longer than any line we could post: skip to
				 * its end, counting, so the error can say how
				 * long it was.
				 */
				if (!s->discarding)
					s->discarded = 0;
				s->discarding = true;
				s->discarded += s->in_len;
				s->in_len = 0;
				return 0;
			}
			if (s->in_eof && s->in_len == 0 && s->discarding) {
				/* The input ended with the too long line. */
				too_long(s, s->discarded);
				s->discarding = false;
			}
			if (!s->in_eof || s->in_len == 0)
				return 0;
			/* The last line of the input has no newline. */
			len = s->in_len;
			take = s->in_len;
		} else {
			len = (size_t)(nl - s->in);
			take = len + 1;
		}

		if (s->discarding) {
			too_long(s, s->discarded + len);
			s->discarding = false;
			consume_input(s, take);
			continue;
		}
		if (len && s->in[len - 1] == '\r')
			len--;
		if (len == 0) {
			consume_input(s, take);
			continue;
		}
		if (len > s->info.max_msg) {
			too_long(s, len);
			consume_input(s, take);
			continue;
		}

		n = write(s->fd, s->in, len);
		if (n == (ssize_t)len) {
			consume_input(s, take);
			continue;
		}
		if (n >= 0) {
			/* The device posts all or nothing; this is a bug. */
			fprintf(stderr, "%s: short write (%zd of %zu bytes)\n",
				devpath, n, len);
			consume_input(s, take);
			continue;
		}
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			return 1;	/* room full of unread messages */
		case EMSGSIZE:
			too_long(s, len);
			consume_input(s, take);
			continue;
		default:
			fprintf(stderr, "%s: write: %s\n", devpath,
				strerror(errno));
			return -1;
		}
	}
}

static int read_stdin(struct session *s)
{
	ssize_t n = read(STDIN_FILENO, s->in + s->in_len,
			 s->in_size - s->in_len);

	if (n > 0) {
		s->in_len += (size_t)n;
		return 0;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* EOF, or EIO from a terminal that went away: leave. */
	s->in_eof = true;
	return 0;
}

/* JOIN @room, or with @mode >= 0 CREATE it; explains a failure. */
static int join_room(int fd, const char *room, long mode)
{
	struct kerneltalk_room_spec spec;
	int ret;

	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "%s", room);
	if (mode >= 0) {
		spec.mode = (__u32)mode;
		ret = ioctl(fd, KERNELTALK_IOC_CREATE, &spec);
	} else {
		ret = ioctl(fd, KERNELTALK_IOC_JOIN, spec.name);
	}
	if (ret == 0)
		return 0;
	if (errno == EINVAL)
		bad_room_name(room);
	else if (errno == EEXIST)
		fprintf(stderr,
			"%s: room '%s' exists already (join it with --room)\n",
			devpath, room);
	else if (errno == EACCES)
		fprintf(stderr,
			"%s: permission denied: room '%s' does not let you in (its owner sets its mode)\n",
			devpath, room);
	else if (errno == ENOSPC)
		fprintf(stderr,
			"%s: cannot create room '%s': too many rooms exist (module parameter max_rooms)\n",
			devpath, room);
	else if (errno == EDQUOT)
		fprintf(stderr,
			"%s: cannot create room '%s': you made too many rooms (module parameter max_rooms_per_user)\n",
			devpath, room);
	else if (errno == ENOTTY)
		fprintf(stderr, "%s: not a kerneltalk device\n", devpath);
	else
		fprintf(stderr, "%s: join '%s': %s\n", devpath, room,
			strerror(errno));
	return -1;
}

/* Flags of a member as ls shows a mode: r, w, n (no echo), or -. */
static void member_flags(__u32 flags, char *out)
{
	out[0] = flags & KERNELTALK_MEMBER_READER ? 'r' : '-';
	out[1] = flags & KERNELTALK_MEMBER_WRITER ? 'w' : '-';
	out[2] = flags & KERNELTALK_MEMBER_NOECHO ? 'n' : '-';
	out[3] = '\0';
}

/* --who: the room's members, one line each, in the order they joined. */
static int print_members(int fd)
{
	struct kerneltalk_member_list list = { 0 };
	struct kerneltalk_member_info *m = NULL;

	/* The room may grow between asking its size and the snapshot. */
	do {
		free(m);
		list.count = list.total + 4;
		m = calloc(list.count, sizeof(*m));
		if (!m) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return 1;
		}
		list.members = (__u64)(uintptr_t)m;
		if (ioctl(fd, KERNELTALK_IOC_MEMBERS, &list) < 0) {
			fprintf(stderr, "%s: members: %s\n", devpath,
				strerror(errno));
			free(m);
			return 1;
		}
	} while (list.count < list.total);

	printf("%-12s %7s %-16s %-5s %7s %s\n", "USER", "PID", "COMMAND",
	       "FLAGS", "UNREAD", "JOINED");
	for (__u32 i = 0; i < list.count; i++) {
		char uidbuf[16], flags[4], joined[16], comm[KERNELTALK_COMM_LEN + 1];
		time_t t = (time_t)(m[i].joined_ns / 1000000000ULL);
		struct tm tm;

		member_flags(m[i].flags, flags);
		memcpy(comm, m[i].comm, KERNELTALK_COMM_LEN);
		comm[KERNELTALK_COMM_LEN] = '\0';
		strftime(joined, sizeof(joined), "%H:%M:%S",
			 localtime_r(&t, &tm));
		printf("%-12s %7u %-16s %-5s %7llu %s%s%s\n",
		       user_name(m[i].uid, uidbuf, sizeof(uidbuf)), m[i].pid,
		       comm, flags, (unsigned long long)m[i].unread, joined,
		       m[i].flags & KERNELTALK_MEMBER_SELF ? " (you)" : "",
		       m[i].flags & KERNELTALK_MEMBER_RELAY ? " (relay)" : "");
	}
	fflush(stdout);
	free(m);
	return 0;
}

static int chat(struct session *s, double linger)
{
	bool stdin_tty = isatty(STDIN_FILENO);
	int64_t deadline = -1;
	int blocked = 0;	/* a line waits for room in the ring */

	for (;;) {
		struct pollfd p[2];
		int64_t timeout = -1;
		nfds_t n = 1;
		int r;

		if (stop_signal)
			return 0;

		if (!blocked) {
			blocked = send_lines(s);
			if (blocked < 0)
				return 1;
		}

		if (s->in_eof && !blocked && s->in_len == 0) {
			/* Everything typed is posted. */
			if (stdin_tty || linger <= 0)
				return drain(s) < 0 ? 1 : 0;
			if (deadline < 0)
				deadline = now_ms() + (int64_t)(linger * 1000);
			timeout = deadline - now_ms();
			if (timeout <= 0)
				return drain(s) < 0 ? 1 : 0;
		}

		p[0].fd = s->fd;
		p[0].events = POLLIN | (blocked ? POLLOUT : 0);
		p[0].revents = 0;
		/* Read stdin only when its buffer has room and no line waits. */
		if (!s->in_eof && !blocked) {
			p[1].fd = STDIN_FILENO;
			p[1].events = POLLIN;
			p[1].revents = 0;
			n = 2;
		}

		r = wait_events(p, n, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
			return 1;
		}

		/* POLLERR alone means "overrun": the next record says how much. */
		if (p[0].revents & (POLLIN | POLLERR)) {
			if (receive(s) < 0)
				return 1;
		}
		if (p[0].revents & POLLNVAL) {
			fprintf(stderr, "%s: device descriptor invalid\n", prog);
			return 1;
		}
		if (blocked && (p[0].revents & POLLOUT))
			blocked = 0;
		if (n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			read_stdin(s);
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "room", required_argument, NULL, 'r' },
		{ "create", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "who", no_argument, NULL, 'w' },
		{ "history", no_argument, NULL, 'H' },
		{ "linger", required_argument, NULL, 'l' },
		{ "info", no_argument, NULL, 'i' },
		{ "list", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->linger = -1;
	o->mode = -1;
	while ((c = getopt_long(argc, argv, "r:c:m:Hl:iwLh", longopts,
				NULL)) != -1) {
		char *end;

		switch (c) {
		case 'r':
			o->room = optarg;
			break;
		case 'c':
			o->create = optarg;
			break;
		case 'm':
			errno = 0;
			o->mode = strtol(optarg, &end, 8);
			if (errno || end == optarg || *end || o->mode < 0 ||
			    o->mode > KERNELTALK_MODE_MASK) {
				fprintf(stderr,
					"%s: --mode wants octal permission bits (0..0777), not '%s'\n",
					prog, optarg);
				return -1;
			}
			break;
		case 'w':
			o->who = true;
			break;
		case 'H':
			o->history = true;
			break;
		case 'l':
			errno = 0;
			o->linger = strtod(optarg, &end);
			if (errno || end == optarg || *end || o->linger < 0 ||
			    o->linger > 86400) {
				fprintf(stderr,
					"%s: --linger wants seconds (0..86400), not '%s'\n",
					prog, optarg);
				return -1;
			}
			break;
		case 'i':
			o->info = true;
			break;
		case 'L':
			o->list = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return -1;
		}
	}
	if (optind < argc)
		devpath = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n",
			prog, argv[optind], prog);
		return -1;
	}
	if (o->room && o->create) {
		fprintf(stderr, "%s: --room and --create name one room: give one\n",
			prog);
		return -1;
	}
	if (o->mode >= 0 && !o->create) {
		fprintf(stderr, "%s: --mode goes with --create\n", prog);
		return -1;
	}
	if (o->create) {
		o->room = o->create;
		if (o->mode < 0)
			o->mode = CREATE_MODE;
	}
	if (o->room && !valid_room_name(o->room)) {
		bad_room_name(o->room);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct session s;
	struct options o;
	__u32 flags = KERNELTALK_F_RECORDS;
	int ret;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.list)
		return list_rooms();

	setup_signals();
	memset(&s, 0, sizeof(s));
	/*
	 * Non-blocking: under the BLOCK policy a post waits while the ring is
	 * full of unread messages -- possibly our own unread ones.  Blocking
	 * in write() there would deadlock; instead we keep reading and retry
	 * on POLLOUT.
	 */
	s.fd = open(devpath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s.fd < 0) {
		explain_open_error(devpath, errno);
		return 1;
	}
	if (o.room && join_room(s.fd, o.room, o.mode) < 0)
		return 1;
	if (o.who)
		return print_members(s.fd);
	if (get_info(s.fd, &s.info) < 0)
		return 1;
	if (o.info) {
		print_info(&s.info);
		return 0;
	}

	/* OWN rather than NOECHO: piped input shows its own posts in order. */
	if (ioctl(s.fd, KERNELTALK_IOC_SET_FLAGS, &flags) < 0) {
		fprintf(stderr, "%s: set record mode: %s\n", devpath,
			strerror(errno));
		return 1;
	}
	if (o.history && lseek(s.fd, 0, SEEK_SET) < 0) {
		fprintf(stderr, "%s: seek to history: %s\n", devpath,
			strerror(errno));
		return 1;
	}

	s.echo_own = !isatty(STDIN_FILENO);
	/* A relayed record carries its origin before max_msg bytes of text. */
	s.rx_size = sizeof(struct kerneltalk_msg) +
		    sizeof(struct kerneltalk_origin) + s.info.max_msg;
	/* Room for a line of max_msg bytes plus "\r\n". */
	s.in_size = (size_t)s.info.max_msg + 2;
	s.rx = malloc(s.rx_size);
	s.in = malloc(s.in_size);
	/*
	 * Worst case: every byte of the text and of the origin's strings
	 * escaped as \xNN, plus the prefix.
	 */
	s.out = malloc((s.info.max_msg + sizeof(struct kerneltalk_origin)) * 4 +
		       256);
	if (!s.rx || !s.in || !s.out) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}

	if (isatty(STDIN_FILENO))
		fprintf(stderr,
			"-- %s, room %s (up to %u bytes per message; Ctrl+D leaves) --\n",
			devpath, s.info.name[0] ? s.info.name : "(default)",
			s.info.max_msg);

	ret = chat(&s, o.linger);
	close(s.fd);
	free(s.rx);
	free(s.in);
	free(s.out);
	return ret;
}
