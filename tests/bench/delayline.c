// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * delayline: a point-to-point link with a fixed one-way delay between two
 * network namespaces, for the latency benchmark (tc netem is not available).
 *
 *   delayline NS_A DEV_A NS_B DEV_B DELAY_US [QUEUE]
 *
 * A TUN device DEV_A is created inside NS_A and DEV_B inside NS_B (a TUN
 * device belongs to the namespace of the process that creates it, so the
 * program enters each namespace in turn). Every IP packet read from one
 * device is written to the other DELAY_US microseconds later, in order.
 * Each direction holds at most QUEUE packets (default 4096); a packet that
 * finds its queue full is dropped, like a router's tail drop. The devices
 * disappear when the program exits; the caller gives them addresses and
 * brings them up once "ready" is printed on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define DL_SLOT 2048		/* TUN MTU stays at the default 1500 */
#define DL_QUEUE_DEFAULT 4096
#define DL_QUEUE_MAX 65536
#define DL_EARLY_NS 300000	/* timer lead, waited out by polling the clock */

struct dl_pkt {
	uint64_t due_ns;
	uint16_t len;
	unsigned char data[DL_SLOT];
};

/* One direction: packets read from in_fd wait here, then go to out_fd. */
struct dl_dir {
	int in_fd;
	int out_fd;
	struct dl_pkt *ring;
	size_t cap, head, count;
	unsigned long long fwd, drop;
};

static volatile sig_atomic_t dl_stop;

static void dl_on_signal(int sig)
{
	(void)sig;
	dl_stop = 1;
}

static uint64_t dl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Enter namespace NS (a name under /run/netns) and create TUN device DEV there. */
static int dl_open_tun(const char *ns, const char *dev)
{
	char path[256];
	struct ifreq ifr;
	int nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "delayline: namespace %s: %s\n", ns, strerror(errno));
		return -1;
	}
	close(nsfd);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "delayline: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "delayline: TUNSETIFF %s in %s: %s\n", dev, ns, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Read every packet waiting on d->in_fd into the queue, stamped with its due time. */
static void dl_take(struct dl_dir *d, uint64_t delay_ns)
{
	unsigned char spill[DL_SLOT];
	int budget = 256;	/* keep the other direction and the timer served */

	while (budget-- > 0) {
		struct dl_pkt *p = NULL;
		ssize_t n;

		if (d->count < d->cap)
			p = &d->ring[(d->head + d->count) % d->cap];
		n = read(d->in_fd, p ? p->data : spill, DL_SLOT);
		if (n <= 0)
			return;
		if (!p) {
			d->drop++;
			continue;
		}
		p->len = (uint16_t)n;
		p->due_ns = dl_now_ns() + delay_ns;
		d->count++;
	}
}

/* Write out every packet whose time has come. */
static void dl_give(struct dl_dir *d, uint64_t now)
{
	while (d->count > 0) {
		struct dl_pkt *p = &d->ring[d->head];

		if (p->due_ns > now)
			return;
		/* A TUN write hands the packet to the stack; it does not block. */
		if (write(d->out_fd, p->data, p->len) < 0)
			d->drop++;
		else
			d->fwd++;
		d->head = (d->head + 1) % d->cap;
		d->count--;
	}
}

/* When the earliest queued packet is due (0: none queued). */
static uint64_t dl_next_due(const struct dl_dir *dirs)
{
	uint64_t due = 0;
	int i;

	for (i = 0; i < 2; i++) {
		const struct dl_dir *d = &dirs[i];

		if (d->count && (!due || d->ring[d->head].due_ns < due))
			due = d->ring[d->head].due_ns;
	}
	return due;
}

/*
 * A timer wake-up comes a few hundred microseconds late on a busy or
 * virtual machine, and a packet crosses two or four lines per round trip,
 * so the timer fires DL_EARLY_NS early and the rest is waited out here,
 * still taking in packets meanwhile so that their stamps stay exact.
 */
static void dl_spin(struct dl_dir *dirs, uint64_t delay_ns)
{
	uint64_t due = dl_next_due(dirs);

	while (due && dl_now_ns() < due) {
		dl_take(&dirs[0], delay_ns);
		dl_take(&dirs[1], delay_ns);
	}
}

/* Arm the timer shortly before the earliest due packet (or disarm it). */
static void dl_arm(int tfd, const struct dl_dir *dirs)
{
	struct itimerspec its;
	uint64_t due = dl_next_due(dirs);

	if (due > DL_EARLY_NS)
		due -= DL_EARLY_NS;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int dl_run(struct dl_dir *dirs, uint64_t delay_ns)
{
	struct pollfd pfd[3];
	int tfd, i;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0) {
		perror("delayline: timerfd_create");
		return 1;
	}
	pfd[0] = (struct pollfd){ .fd = dirs[0].in_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = dirs[1].in_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	while (!dl_stop) {
		uint64_t ticks;

		if (poll(pfd, 3, 1000) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++)
			if (pfd[i].revents & POLLIN)
				dl_take(&dirs[i], delay_ns);
		if (pfd[2].revents & POLLIN) {
			(void)!read(tfd, &ticks, sizeof(ticks));
			dl_spin(dirs, delay_ns);
		}
		for (i = 0; i < 2; i++)
			dl_give(&dirs[i], dl_now_ns());
		dl_arm(tfd, dirs);
	}
	close(tfd);
	return 0;
}

static int dl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct dl_dir dirs[2];
	uint64_t delay_us, queue = DL_QUEUE_DEFAULT;
	int fa, fb, i, rc;

	if (argc < 6 || argc > 7 || dl_parse_u64(argv[5], 10000000, &delay_us) ||
	    (argc == 7 && (dl_parse_u64(argv[6], DL_QUEUE_MAX, &queue) || !queue))) {
		fprintf(stderr, "usage: delayline NS_A DEV_A NS_B DEV_B DELAY_US [QUEUE]\n");
		return 2;
	}
	fa = dl_open_tun(argv[1], argv[2]);
	if (fa < 0)
		return 1;
	fb = dl_open_tun(argv[3], argv[4]);
	if (fb < 0)
		return 1;
	/* Timer expiries late by the default 50 us slack would add up per hop. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	signal(SIGTERM, dl_on_signal);
	signal(SIGINT, dl_on_signal);
	dirs[0] = (struct dl_dir){ .in_fd = fa, .out_fd = fb, .cap = queue };
	dirs[1] = (struct dl_dir){ .in_fd = fb, .out_fd = fa, .cap = queue };
	for (i = 0; i < 2; i++) {
		dirs[i].ring = calloc(queue, sizeof(struct dl_pkt));
		if (!dirs[i].ring) {
			perror("delayline: calloc");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	rc = dl_run(dirs, delay_us * 1000u);
	fprintf(stderr, "delayline: %s->%s %llu forwarded %llu dropped, %s->%s %llu forwarded %llu dropped\n",
		argv[2], argv[4], dirs[0].fwd, dirs[0].drop,
		argv[4], argv[2], dirs[1].fwd, dirs[1].drop);
	for (i = 0; i < 2; i++)
		free(dirs[i].ring);
	return rc;
}
