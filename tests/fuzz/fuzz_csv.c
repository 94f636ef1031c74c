/* fuzz_csv.c - libFuzzer target for the CSV ingest decoder. The harness is the
 * NDJSON target's (decode as records and events, whole and split, and compare),
 * compiled here with the format switched to CSV. */
#define FUZZ_FORMAT INGEST_CSV
#include "fuzz_ndjson.c"
