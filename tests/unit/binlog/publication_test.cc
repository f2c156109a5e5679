#include "binlog/publication.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::binlog {
namespace {

TEST(PublicationTest, RoundTripsAndFilters) {
  Publication p;
  p.name = "p";
  p.table_ids = {16384, 16390};
  p.publish_update = false;
  ASSERT_OK_AND_ASSIGN(Publication back, DecodePublication("p", EncodePublication(p)));
  EXPECT_EQ(back, p);
  EXPECT_TRUE(back.Includes(16390));
  EXPECT_FALSE(back.Includes(16385));
  Publication all;
  all.name = "a";
  all.all_tables = true;
  ASSERT_OK_AND_ASSIGN(back, DecodePublication("a", EncodePublication(all)));
  EXPECT_TRUE(back.Includes(123));
  EXPECT_EQ(PublicationKey("a"), "pub/a");
  EXPECT_FALSE(DecodePublication("x", "v1 some iudt 1").ok());
  EXPECT_FALSE(DecodePublication("x", "v1 tables iudt 3,1").ok());
  EXPECT_FALSE(DecodePublication("x", "v2 all iudt ").ok());
}

TEST(PublicationTest, PublishOption) {
  Publication p;
  ASSERT_OK(ApplyPublicationOption("publish", "insert, TRUNCATE", &p));
  EXPECT_TRUE(p.publish_insert);
  EXPECT_FALSE(p.publish_update);
  EXPECT_FALSE(p.publish_delete);
  EXPECT_TRUE(p.publish_truncate);
  ASSERT_OK(ApplyPublicationOption("publish", "", &p));
  EXPECT_FALSE(p.publish_insert);
  EXPECT_EQ(ApplyPublicationOption("publish", "merge", &p).sql_state().code(), "42601");
  EXPECT_EQ(ApplyPublicationOption("color", "red", &p).sql_state().code(), "42601");
  ASSERT_OK(ApplyPublicationOption("publish_via_partition_root", "true", &p));
}

}  // namespace
}  // namespace strata::binlog
