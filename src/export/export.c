/* export.c - the CSV and XLSX table writers of export.h. CSV goes through
 * a stdio buffer straight to the file; XLSX through libxlsxwriter with
 * constant_memory (each row is flushed when the next starts). */
#include "export/export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/fs.h"

struct export_table {
  enum export_format f;
  FILE *fp;         /* CSV */
  lxw_workbook *wb; /* XLSX */
  lxw_worksheet *ws;
  size_t row, col, rows; /* the current row and column; rows finished */
  int err;
  struct zz_buf field; /* CSV: one field's escaped text */
};

int export_format_parse(const char *s, enum export_format *out) {
  if (s && strcmp(s, "csv") == 0) return *out = EXPORT_CSV, 0;
  if (s && strcmp(s, "xlsx") == 0) return *out = EXPORT_XLSX, 0;
  return ZZ_EINVAL;
}

const char *export_content_type(enum export_format f) {
  return f == EXPORT_CSV ? "text/csv; charset=utf-8"
                         : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

const char *export_extension(enum export_format f) {
  return f == EXPORT_CSV ? "csv" : "xlsx";
}

void export_csv_field(struct zz_buf *b, const char *s) {
  if (!s) return;
  int formula =
      s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote) zz_buf_addc(b, '"');
  if (formula) zz_buf_addc(b, '\'');
  for (const char *p = s; *p; p++) {
    if (*p == '"') zz_buf_addc(b, '"');
    zz_buf_addc(b, *p);
  }
  if (quote) zz_buf_addc(b, '"');
}

int export_open(enum export_format f, const char *path, const char *sheet, const char *tmpdir,
                struct export_table **out) {
  *out = NULL;
  struct export_table *t = zz_calloc(1, sizeof *t);
  if (!t) return ZZ_ENOMEM;
  t->f = f;
  zz_buf_init(&t->field, 0);
  if (f == EXPORT_CSV) {
    t->fp = fopen(path, "wb");
    if (!t->fp || fputs(EXPORT_CSV_BOM, t->fp) < 0) goto fail;
  } else {
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
    t->wb = workbook_new_opt(path, &o);
    if (!t->wb) goto fail;
    t->ws = workbook_add_worksheet(t->wb, sheet);
    if (!t->ws) goto fail;
  }
  *out = t;
  return 0;
fail:;
  int rc = zz_errno_full(ZZ_EIO);
  if (t->fp) fclose(t->fp);
  if (t->wb) workbook_close(t->wb);
  zz_buf_free(&t->field);
  zz_free(t);
  return rc;
}

static void csv_sep(struct export_table *t) {
  if (t->col && putc(',', t->fp) == EOF) t->err = zz_errno_full(ZZ_EIO);
}

void export_str(struct export_table *t, const char *s) {
  if (t->f == EXPORT_CSV) {
    csv_sep(t);
    zz_buf_reset(&t->field);
    export_csv_field(&t->field, s);
    if (zz_buf_error(&t->field))
      t->err = zz_buf_error(&t->field);
    else if (t->field.len && fwrite(t->field.data, 1, t->field.len, t->fp) != t->field.len)
      t->err = zz_errno_full(ZZ_EIO);
  } else if (s && *s) {
    /* a string cell: Excel never evaluates it as a formula */
    if (worksheet_write_string(t->ws, (lxw_row_t)t->row, (lxw_col_t)t->col, s, NULL) !=
        LXW_NO_ERROR)
      t->err = zz_errno_full(ZZ_EIO);
  }
  t->col++;
}

void export_num(struct export_table *t, double v) {
  if (t->f == EXPORT_CSV) {
    csv_sep(t);
    if (isfinite(v) && fprintf(t->fp, "%.15g", v) < 0) t->err = zz_errno_full(ZZ_EIO);
  } else if (isfinite(v)) {
    if (worksheet_write_number(t->ws, (lxw_row_t)t->row, (lxw_col_t)t->col, v, NULL) !=
        LXW_NO_ERROR)
      t->err = zz_errno_full(ZZ_EIO);
  }
  t->col++;
}

void export_int(struct export_table *t, int64_t v) {
  if (t->f == EXPORT_CSV) {
    csv_sep(t);
    if (fprintf(t->fp, "%lld", (long long)v) < 0) t->err = zz_errno_full(ZZ_EIO);
    t->col++;
  } else {
    export_num(t, (double)v);
  }
}

void export_row_end(struct export_table *t) {
  if (t->f == EXPORT_CSV && fputs("\r\n", t->fp) < 0) t->err = zz_errno_full(ZZ_EIO);
  t->row++;
  t->rows++;
  t->col = 0;
}

size_t export_rows(const struct export_table *t) {
  return t->rows;
}

int export_close(struct export_table *t) {
  if (!t) return 0;
  int err = t->err;
  /* stdio and libxlsxwriter keep the errno of the write that failed: a
   * full disk (the buffered rows written at the end) is told apart */
  errno = 0;
  if (t->fp && fclose(t->fp) != 0 && !err) err = zz_errno_full(ZZ_EIO);
  errno = 0;
  if (t->wb && workbook_close(t->wb) != LXW_NO_ERROR && !err) err = zz_errno_full(ZZ_EIO);
  zz_buf_free(&t->field);
  zz_free(t);
  return err;
}

char *export_disposition(const char *base, const char *ascii, const char *ext, char *out,
                         size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  struct zz_buf b;
  zz_buf_init(&b, cap ? cap - 1 : 0);
  /* the ASCII name keeps ascii's letters, digits and dashes */
  zz_buf_adds(&b, "attachment; filename=\"");
  size_t kept = 0;
  for (const char *p = ascii ? ascii : ""; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c == '-' && kept)) {
      zz_buf_addc(&b, (char)c);
      kept++;
    }
  }
  if (!kept) zz_buf_adds(&b, "export");
  zz_buf_printf(&b, ".%s\"; filename*=UTF-8''", ext);
  for (const char *p = base; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
        c == '.' || c == '_') {
      zz_buf_addc(&b, (char)c);
    } else {
      zz_buf_addc(&b, '%');
      zz_buf_addc(&b, hex[c >> 4]);
      zz_buf_addc(&b, hex[c & 15]);
    }
  }
  zz_buf_printf(&b, ".%s", ext);
  if (zz_buf_error(&b) || !b.data)
    zz_strlcpy(out, "attachment", cap);
  else
    zz_strlcpy(out, b.data, cap);
  zz_buf_free(&b);
  return out;
}
