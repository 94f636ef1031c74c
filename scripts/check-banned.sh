#!/bin/bash
# check-banned.sh - fails when src/ calls what the house bans (curl's
# checksrc habit): sprintf, vsprintf, strcpy, strcat, strtok, atoi, atol,
# atoll, gets (unbounded or unchecked), and raw malloc/calloc/realloc/free
# outside src/core/ (allocation goes through zz_malloc and friends so tests
# can inject failure). Comments and string literals are not code.
#
# A justified exception carries, on the same line, a comment of the form
#   /* banned-ok: why this call is safe here */
# (the reason is required). Usage: scripts/check-banned.sh [dir ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(src)
files=$(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) | sort)
[ -n "$files" ] || exit 0
# perl is in every Debian (perl-base is essential): no extra dependency.
perl -e '
  my $bad = 0;
  my $unsafe = qr/\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets)\s*\(/;
  my $alloc = qr/(?<![.>\w])(malloc|calloc|realloc|free)\s*\(/;
  my %why = (
    sprintf => "unbounded: use snprintf or zz_buf_printf",
    vsprintf => "unbounded: use vsnprintf or zz_buf_vprintf",
    strcpy => "unbounded: use zz_strlcpy",
    strcat => "unbounded: use zz_buf or snprintf",
    strtok => "not reentrant and edits its input: use strtok_r or a parser",
    atoi => "no error check: use zz_parse_i64 or strtol with an end check",
    atol => "no error check: use zz_parse_i64 or strtol with an end check",
    atoll => "no error check: use zz_parse_i64 or strtoll with an end check",
    gets => "unbounded: use fgets",
  );
  for my $f (@ARGV) {
    open(my $fh, "<", $f) or die "$f: $!";
    local $/;
    my $src = <$fh>;
    close $fh;
    my @raw = split /\n/, $src, -1;
    # Blank comments and string/char literals, keeping every newline so
    # line numbers stay true.
    $src =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}{
      my $m = $1; (my $k = $m) =~ s/[^\n]/ /g; $k
    }gse;
    my @code = split /\n/, $src, -1;
    my $core = $f =~ m{(^|/)src/core/};
    for my $i (0 .. $#code) {
      my $line = $code[$i];
      my @hits;
      while ($line =~ /$unsafe/g) { push @hits, "$1() is banned ($why{$1})" }
      if (!$core) {
        while ($line =~ /$alloc/g) {
          push @hits, "raw $1() outside src/core/ (use zz_$1: tests inject allocation failure there)";
        }
      }
      next unless @hits;
      next if $raw[$i] =~ m{banned-ok:\s*(?!\*/)\S};
      for my $h (@hits) { print STDERR "$f:", $i + 1, ": $h\n"; $bad++ }
    }
  }
  if ($bad) {
    print STDERR "check-banned: $bad banned call(s). Fix them, or for a justified exception put\n";
    print STDERR "  /* banned-ok: the reason */ on the same line.\n";
    exit 1;
  }
' $files
