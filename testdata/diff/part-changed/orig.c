/* lookup_item() has a cheap early exit and an expensive body. gcc splits the body into
 * lookup_item.part.0, inlines the early exit into the callers, and they call the .part
 * clone directly. The patch changes the body only. */
#include "../include/kernel.h"

extern int lookup_enabled;
extern void trace_item(int v);

struct item {
	int key, val;
	struct item *next;
};

int lookup_item(struct item *head, int key)
{
	struct item *it;

	if (!lookup_enabled)
		return -1;
	for (it = head; it; it = it->next) {
		if (it->key == key) {
			trace_item(it->val);
			trace_item(key);
			return it->val;
		}
		trace_item(it->key);
		trace_item(it->key + 1);
		trace_item(it->key + 2);
	}
	trace_item(key);
	trace_item(key + 1);
	trace_item(key + 2);
	return 0;
}

int lookup_first(struct item *head)
{
	return lookup_item(head, 1);
}

int lookup_second(struct item *head)
{
	return lookup_item(head, 2);
}
