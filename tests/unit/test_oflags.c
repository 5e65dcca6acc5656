#include <errno.h>
#include <fcntl.h>

#include "unit.h"
#include "names.h"

TEST(oflag_names)
{
	unsigned bit = 99;

	CHECK_EQ(oflag_parse("O_CREAT", &bit), 0);
	CHECK_EQ(bit, O_CREAT);
	CHECK_EQ(oflag_parse("o_wronly", &bit), 0);
	CHECK_EQ(bit, O_WRONLY);
	CHECK_EQ(oflag_parse("trunc", &bit), 0);
	CHECK_EQ(bit, O_TRUNC);
	CHECK_EQ(oflag_parse("O_RDONLY", &bit), 0);
	CHECK_EQ(bit, 0);
	/* the bit that tells the flag apart from the one it includes */
	CHECK_EQ(oflag_parse("O_TMPFILE", &bit), 0);
	CHECK_EQ(bit, O_TMPFILE & ~O_DIRECTORY);
	CHECK_EQ(oflag_parse("O_SYNC", &bit), 0);
	CHECK_EQ(bit, O_SYNC & ~O_DSYNC);
	CHECK_EQ(oflag_parse("O_CREATE", &bit), -EINVAL);
	CHECK_EQ(oflag_parse("", &bit), -EINVAL);
	CHECK_EQ(oflag_parse("O_", &bit), -EINVAL);
	CHECK_EQ(oflag_parse("0100", &bit), -EINVAL);
}
