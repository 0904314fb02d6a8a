#pragma once
// faiss-node uses faiss::idx_t, which faiss declares only from 1.7.4; Debian 12 ships 1.7.3.
// Redeclaring the same alias is legal, so this is harmless against newer faiss too.
#include <cstdint>
namespace faiss { using idx_t = int64_t; }
