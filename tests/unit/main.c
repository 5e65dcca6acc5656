#include <stdlib.h>

#include "unit.h"

static struct unit_test *head, **tail = &head;
int unit_failed_checks;

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

const char *unit_capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	static char *buf;
	size_t len;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	fn(f, arg);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct unit_test *t;

	for (t = head; t; t = t->next) {
		int before = unit_failed_checks;

		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		t->fn();
		if (unit_failed_checks == before) {
			passed++;
			printf("ok   %s\n", t->name);
		} else {
			failed++;
			printf("FAIL %s\n", t->name);
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
