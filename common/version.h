#pragma once

namespace strata {

// Strata's own version, and the PostgreSQL version it presents to clients
// (drivers gate features on server_version, so it must look like 15.x).
inline constexpr const char* kStrataVersion = "0.1.0";
inline constexpr const char* kPostgresCompatVersion = "15.0";

}  // namespace strata
