#include "../include/kernel.h"

struct demo_req {
	int len;
	int flags;
};

static unsigned long demo_rejected;
static const int demo_max_len = 65536;

static noinline int demo_validate(const struct demo_req *r)
{
	if (r->len <= 0 || r->len > demo_max_len) {
		demo_rejected++;
		pr_warn("rejecting request of %d bytes\n", r->len);
		return -22;
	}
	return 0;
}

int demo_queue_req(struct demo_req *r)
{
	int err = demo_validate(r);

	if (err)
		return err;
	r->flags |= 1;
	return 0;
}

int demo_req_done(struct demo_req *r)
{
	return r->flags & 2;
}
