/* export.h - tables written row by row into a file, for downloads that open
 * in Excel: CSV (UTF-8 with a byte-order mark, RFC 4180 quoting, CRLF, text
 * cells that start like a formula prefixed with an apostrophe) or XLSX
 * (libxlsxwriter in constant-memory mode: rows go to disk as they come, so
 * a large export never sits in memory). The callers own the file's path
 * and remove it once sent. */
#ifndef ZZ_EXPORT_H
#define ZZ_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/zz.h"

/* The most rows any export writes; a larger answer is refused (413) with a
 * message that names the cap and the filters to narrow it. */
#define EXPORT_ROW_CAP 100000

enum export_format { EXPORT_CSV, EXPORT_XLSX };

struct export_table;

/* "csv" or "xlsx" into *out: 0 or ZZ_EINVAL. */
int export_format_parse(const char *s, enum export_format *out);
/* "text/csv; charset=utf-8" or the XLSX media type. */
const char *export_content_type(enum export_format f);
/* "csv" or "xlsx". */
const char *export_extension(enum export_format f);

/* Creates the file at path (tmpdir: where libxlsxwriter keeps its own
 * temporary files; NULL for the system's) with one sheet named sheet.
 * Returns 0 and *out, or ZZ_EFULL (the disk is full) / ZZ_EIO / ZZ_ENOMEM. */
int export_open(enum export_format f, const char *path, const char *sheet, const char *tmpdir,
                struct export_table **out);
/* Cells of the current row, left to right. A NULL string and a NaN number
 * leave the cell empty. Errors are sticky and returned by export_close. */
void export_str(struct export_table *t, const char *s);
void export_num(struct export_table *t, double v);
void export_int(struct export_table *t, int64_t v);
/* Ends the current row. */
void export_row_end(struct export_table *t);
/* Rows written so far (the header row counts). */
size_t export_rows(const struct export_table *t);
/* Finishes the file and frees t. Returns 0 or the first error: ZZ_EFULL
 * when a write found the disk full (ENOSPC, EDQUOT), else ZZ_EIO. The
 * caller removes the file. */
int export_close(struct export_table *t);

/* One CSV field as written: quoted when it holds a comma, a quote, CR or
 * LF (quotes doubled); a text starting with = + - @ TAB or CR gets a
 * leading apostrophe so that a spreadsheet shows it instead of running it.
 * Pure. */
void export_csv_field(struct zz_buf *b, const char *s);
/* The UTF-8 byte-order mark a CSV file starts with. */
#define EXPORT_CSV_BOM "\xEF\xBB\xBF"

/* Content-Disposition for a download named base + "." + ext (base UTF-8,
 * such as "工单-2026-12-03"): an ASCII fallback filename= from ascii (its
 * letters, digits and dashes, such as "orders-2026-12-03"; "export" when
 * none are left), so that two downloads of a day never share a fallback
 * name, and the real name as RFC 5987 filename*=UTF-8''... Returns out. */
char *export_disposition(const char *base, const char *ascii, const char *ext, char *out,
                         size_t cap);

#endif
