// strata-bench: a primary-key lookup load generator over libpq, usable
// against Strata and PostgreSQL alike.
//
// Each connection runs on its own thread and keeps `--depth` queries in
// flight (libpq pipeline mode when depth > 1): it takes every reply that has
// already arrived, then refills the pipeline with one send, as a pipelining
// application does (refilling after each single reply would cost a packet
// per request, measuring mostly the loopback). Keys are drawn uniformly or
// from a scrambled Zipfian distribution. With `--rate`, requests are issued
// on a fixed schedule and latency is measured from each request's scheduled
// time, so a stall is charged to every request it delays (no coordinated
// omission). The result is one line of key=value pairs (see PrintReport).
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string conninfo = "host=127.0.0.1 port=5432 dbname=postgres";
  int connections = 16;
  double duration_s = 10;
  int depth = 1;
  int64_t keys = 1000000;
  bool zipfian = false;
  double theta = 0.99;
  double rate = 0;  // total requests/s; 0 = as fast as possible
  int in_keys = 0;  // > 0: each request is `id IN ($1..$n)`
  std::string table = "feat";
  std::string key_column = "id";
  std::string columns = "*";
  bool simple = false;  // simple query protocol (literal keys), no pipelining
  double warmup_s = 1;
};

void Usage() {
  std::fprintf(stderr,
               "usage: strata-bench [options]\n"
               "  --conninfo STR     libpq connection string (default: %s)\n"
               "  --connections N    concurrent connections, one thread each (16)\n"
               "  --duration S       measured seconds (10)\n"
               "  --warmup S         unmeasured seconds before (1)\n"
               "  --depth D          requests in flight per connection; >1 uses pipeline mode (1)\n"
               "  --keys K           keys are 1..K (1000000)\n"
               "  --dist uniform|zipfian   key distribution (uniform)\n"
               "  --theta X          Zipfian skew (0.99)\n"
               "  --rate R           fixed total rate in requests/s (0 = max)\n"
               "  --in N             each request looks up N keys with id IN (...)\n"
               "  --table T --key-column C --columns LIST   the lookup (feat, id, *)\n"
               "  --simple           simple query protocol with literal keys\n",
               Options().conninfo.c_str());
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--conninfo") o->conninfo = next();
    else if (a == "--connections") o->connections = std::atoi(next());
    else if (a == "--duration") o->duration_s = std::atof(next());
    else if (a == "--warmup") o->warmup_s = std::atof(next());
    else if (a == "--depth") o->depth = std::atoi(next());
    else if (a == "--keys") o->keys = std::atoll(next());
    else if (a == "--dist") {
      std::string d = next();
      if (d != "uniform" && d != "zipfian") return false;
      o->zipfian = d == "zipfian";
    } else if (a == "--theta") o->theta = std::atof(next());
    else if (a == "--rate") o->rate = std::atof(next());
    else if (a == "--in") o->in_keys = std::atoi(next());
    else if (a == "--table") o->table = next();
    else if (a == "--key-column") o->key_column = next();
    else if (a == "--columns") o->columns = next();
    else if (a == "--simple") o->simple = true;
    else if (a == "--help" || a == "-h") {
      Usage();
      std::exit(0);
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return false;
    }
  }
  if (o->connections < 1 || o->depth < 1 || o->keys < 1 || o->duration_s <= 0) return false;
  if (o->simple && o->depth != 1) {
    std::fprintf(stderr, "--simple cannot pipeline (libpq pipelines only the extended protocol)\n");
    return false;
  }
  return true;
}

// YCSB's Zipfian generator (Gray et al., "Quickly generating billion-record
// synthetic databases"), with the rank scrambled by a hash so that hot keys
// are spread over the key space instead of clustered at 1.
class KeyGenerator {
 public:
  KeyGenerator(const Options& o, uint64_t seed) : n_(o.keys), zipf_(o.zipfian), rng_(seed) {
    if (!zipf_) return;
    theta_ = o.theta;
    zeta2_ = Zeta(2);
    zetan_ = Zeta(n_);
    alpha_ = 1.0 / (1.0 - theta_);
    eta_ = (1 - std::pow(2.0 / n_, 1 - theta_)) / (1 - zeta2_ / zetan_);
  }
  int64_t Next() {
    if (!zipf_) return std::uniform_int_distribution<int64_t>(1, n_)(rng_);
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const double uz = u * zetan_;
    int64_t rank;
    if (uz < 1.0) {
      rank = 0;
    } else if (uz < 1.0 + std::pow(0.5, theta_)) {
      rank = 1;
    } else {
      rank = static_cast<int64_t>(n_ * std::pow(eta_ * u - eta_ + 1, alpha_));
    }
    uint64_t h = static_cast<uint64_t>(rank) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    return static_cast<int64_t>(h % static_cast<uint64_t>(n_)) + 1;
  }

 private:
  double Zeta(int64_t n) const {
    // Shared across generators with the same (n, theta): computed once.
    static std::mutex mu;
    static int64_t cached_n = -1;
    static double cached_theta = 0, cached = 0;
    std::lock_guard<std::mutex> lock(mu);
    if (n == cached_n && theta_ == cached_theta) return cached;
    double sum = 0;
    for (int64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta_);
    if (n > 2) {
      cached_n = n;
      cached_theta = theta_;
      cached = sum;
    }
    return sum;
  }

  int64_t n_;
  bool zipf_;
  std::mt19937_64 rng_;
  double theta_ = 0, zeta2_ = 0, zetan_ = 0, alpha_ = 0, eta_ = 0;
};

struct Shared {
  const Options* options;
  Clock::time_point start;     // measuring begins
  Clock::time_point deadline;  // measuring ends
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;
  void Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu);
    if (!failed.exchange(true)) error = message;
  }
};

struct WorkerResult {
  std::vector<uint32_t> latencies_us;  // measured requests only
  uint64_t requests = 0;
  uint64_t rows = 0;
};

std::string QueryText(const Options& o) {
  std::string q = "SELECT " + o.columns + " FROM " + o.table + " WHERE " + o.key_column;
  if (o.in_keys <= 0) return q + " = $1";
  q += " IN (";
  for (int i = 1; i <= o.in_keys; ++i) {
    if (i > 1) q += ", ";
    q += "$" + std::to_string(i);
  }
  return q + ")";
}

std::string SimpleText(const Options& o, const std::vector<std::string>& keys) {
  std::string q = "SELECT " + o.columns + " FROM " + o.table + " WHERE " + o.key_column;
  if (o.in_keys <= 0) return q + " = " + keys[0];
  q += " IN (";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) q += ", ";
    q += keys[i];
  }
  return q + ")";
}

class Worker {
 public:
  Worker(Shared* shared, int index)
      : shared_(shared), o_(*shared->options), keys_(o_, 0x5eed0000ull + index), index_(index) {}

  void Run(WorkerResult* result) {
    result_ = result;
    conn_ = PQconnectdb(o_.conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      shared_->Fail(std::string("connect: ") + PQerrorMessage(conn_));
      PQfinish(conn_);
      return;
    }
    nparams_ = o_.in_keys > 0 ? o_.in_keys : 1;
    if (!o_.simple) {
      PGresult* r = PQprepare(conn_, "lookup", QueryText(o_).c_str(), 0, nullptr);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        shared_->Fail(std::string("prepare: ") + PQerrorMessage(conn_));
        PQclear(r);
        PQfinish(conn_);
        return;
      }
      PQclear(r);
    }
    if (o_.depth > 1 && PQenterPipelineMode(conn_) != 1) {
      shared_->Fail(std::string("pipeline mode: ") + PQerrorMessage(conn_));
      PQfinish(conn_);
      return;
    }
    // Fixed rate: this connection's share, offset so connections interleave.
    const double interval_s = o_.rate > 0 ? o_.connections / o_.rate : 0;
    Clock::time_point next = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(interval_s * index_ / o_.connections));
    while (!shared_->failed.load(std::memory_order_relaxed)) {
      const Clock::time_point now = Clock::now();
      if (now >= shared_->deadline && in_flight_.empty()) break;
      // Issue while below depth (and, at a fixed rate, while due).
      bool sent = false;
      while (now < shared_->deadline && in_flight_.size() < static_cast<size_t>(o_.depth)) {
        Clock::time_point scheduled = Clock::now();
        if (interval_s > 0) {
          if (next > scheduled) {
            if (!in_flight_.empty()) break;  // collect replies meanwhile
            std::this_thread::sleep_until(next);
          }
          scheduled = next;
          next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
        }
        if (!Send()) return Finish();
        in_flight_.push_back({scheduled, false});
        sent = true;
        if (o_.depth == 1) break;
      }
      if (sent && o_.depth > 1) {
        if (PQpipelineSync(conn_) != 1 || PQflush(conn_) != 0) {
          shared_->Fail(std::string("send: ") + PQerrorMessage(conn_));
          return Finish();
        }
        in_flight_.back().sync_after = true;
      }
      if (in_flight_.empty()) continue;
      if (!ReceiveOne()) return Finish();
      // Replies already buffered by libpq cost no system call.
      while (o_.depth > 1 && !in_flight_.empty() && PQisBusy(conn_) == 0) {
        if (!ReceiveOne()) return Finish();
      }
    }
    Finish();
  }

 private:
  void Finish() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }

  bool Send() {
    key_text_.clear();
    for (int i = 0; i < nparams_; ++i) key_text_.push_back(std::to_string(keys_.Next()));
    int ok;
    if (o_.simple) {
      ok = PQsendQuery(conn_, SimpleText(o_, key_text_).c_str());
    } else {
      params_.clear();
      for (const auto& k : key_text_) params_.push_back(k.c_str());
      ok = PQsendQueryPrepared(conn_, "lookup", nparams_, params_.data(), nullptr, nullptr, 0);
    }
    if (ok != 1) {
      shared_->Fail(std::string("send: ") + PQerrorMessage(conn_));
      return false;
    }
    return true;
  }

  // Reads the replies of the oldest request in flight (and the pipeline
  // sync that follows the last request of a batch).
  bool ReceiveOne() {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      shared_->Fail(std::string("receive: ") + PQerrorMessage(conn_));
      return false;
    }
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK) {
      shared_->Fail(std::string("query: ") + PQresultErrorMessage(r));
      PQclear(r);
      return false;
    }
    const uint64_t rows = static_cast<uint64_t>(PQntuples(r));
    PQclear(r);
    // The NULL that ends this query's results.
    if (PQgetResult(conn_) != nullptr) {
      shared_->Fail("more than one result for a lookup");
      return false;
    }
    const Clock::time_point done = Clock::now();
    const InFlight request = in_flight_.front();
    in_flight_.pop_front();
    const Clock::time_point scheduled = request.scheduled;
    if (scheduled >= shared_->start && done <= shared_->deadline) {
      result_->requests++;
      result_->rows += rows;
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - scheduled).count();
      result_->latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    }
    if (request.sync_after) {
      // The Sync that ended this request's batch.
      PGresult* s = PQgetResult(conn_);
      if (s == nullptr || PQresultStatus(s) != PGRES_PIPELINE_SYNC) {
        shared_->Fail(std::string("expected a pipeline sync: ") + PQerrorMessage(conn_));
        if (s) PQclear(s);
        return false;
      }
      PQclear(s);
    }
    return true;
  }

  Shared* shared_;
  const Options& o_;
  KeyGenerator keys_;
  int index_;
  PGconn* conn_ = nullptr;
  WorkerResult* result_ = nullptr;
  int nparams_ = 1;
  struct InFlight {
    Clock::time_point scheduled;
    bool sync_after;  // the last request before a Sync
  };
  std::deque<InFlight> in_flight_;
  std::vector<std::string> key_text_;
  std::vector<const char*> params_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) {
    Usage();
    return 2;
  }
  Shared shared;
  shared.options = &o;
  shared.start = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  shared.deadline =
      shared.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  std::vector<WorkerResult> results(o.connections);
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back([&shared, &results, i] { Worker(&shared, i).Run(&results[i]); });
  }
  for (auto& t : threads) t.join();
  if (shared.failed) {
    std::fprintf(stderr, "strata-bench: %s\n", shared.error.c_str());
    return 1;
  }
  std::vector<uint32_t> all;
  uint64_t requests = 0, rows = 0;
  for (auto& r : results) {
    requests += r.requests;
    rows += r.rows;
    all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) -> double {
    if (all.empty()) return 0;
    size_t i = static_cast<size_t>(std::ceil(p * all.size())) - 1;
    return all[std::min(i, all.size() - 1)] / 1000.0;
  };
  std::printf("qps=%.0f rows_per_s=%.0f requests=%llu p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
              requests / o.duration_s, rows / o.duration_s, static_cast<unsigned long long>(requests), pct(0.50),
              pct(0.95), pct(0.99), pct(0.999), all.empty() ? 0.0 : all.back() / 1000.0);
  return 0;
}
