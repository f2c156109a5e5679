# Every dependency comes from a Debian 12 package (see scripts/packages.txt);
# each is found the way that package ships it.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_package(roaring CONFIG REQUIRED)

find_library(PG_QUERY_LIBRARY NAMES libpg_query.a pg_query REQUIRED)
find_path(PG_QUERY_INCLUDE_DIR pg_query.h REQUIRED)
add_library(pg_query::pg_query STATIC IMPORTED)
set_target_properties(pg_query::pg_query PROPERTIES
  IMPORTED_LOCATION ${PG_QUERY_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${PG_QUERY_INCLUDE_DIR}
  INTERFACE_LINK_LIBRARIES PkgConfig::PROTOBUF_C)

if(STRATA_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(STRATA_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
