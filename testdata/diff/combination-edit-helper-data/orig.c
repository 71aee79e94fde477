#include "../include/kernel.h"

struct demo_req {
	int len;
	int flags;
};

int demo_queue_req(struct demo_req *r)
{
	if (r->len <= 0)
		return -22;
	r->flags |= 1;
	return 0;
}

int demo_req_done(struct demo_req *r)
{
	return r->flags & 2;
}
