// jemalloc's built-in options for strata-server (linked only when jemalloc is:
// server/CMakeLists.txt). The MALLOC_CONF environment variable still
// overrides them.
//
// thp:always backs the heap with transparent huge pages (the system default
// on Debian is madvise, which jemalloc then asks for). Point lookups probe
// RocksDB's row and block caches at random over hundreds of megabytes; with
// 4 KiB pages nearly every probe also misses the TLB. Measured on 2 cores
// with 1,000,000 cached rows: 100-key IN lookups +27-40%, pipelined point
// lookups +6-20% (bench/RESULTS.md, issue 9).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
