#!/usr/bin/perl
# A FixMyStreet-style Open311 client for tests/integration/open311_client.test.mjs,
# written here on the libraries FixMyStreet's own Open311 module uses
# (LWP::UserAgent, HTTP::Request::Common, XML::Simple; Debian's libwww-perl
# and libxml-simple-perl): POSTs encoded by HTTP::Request::Common, answers
# read by XML::Simple, so zhizhi is checked against what that stack sends
# and parses, not against our own encoder. Prints one JSON line:
# {"status": HTTP status, "parsed": XMLin's tree, "headers": {...}}.
#
#   open311_fms_client.pl BASE post-form PATH FIELD=VALUE...
#   open311_fms_client.pl BASE post-multipart PATH FIELD=VALUE... [media=@FILE]
#   open311_fms_client.pl BASE get PATH KEY=VALUE...
use strict;
use warnings;
use HTTP::Request::Common qw(GET POST);
use JSON::PP;
use LWP::UserAgent;
use URI;
use XML::Simple;

my ($base, $verb, $path, @args) = @ARGV;
die "usage: $0 BASE post-form|post-multipart|get PATH K=V...\n" unless $base && $verb && $path;
my @pairs;
for my $a (@args) {
    my ($k, $v) = split /=/, $a, 2;
    # FILE: a file part (HTTP::Request::Common reads it and names its type)
    push @pairs, $k, ($v =~ /^@(.*)$/ ? [$1, 'photo.png', 'Content-Type' => 'image/png'] : $v);
}

my $url = URI->new($base . '/open311/v2/' . $path);
my $req;
if ($verb eq 'get') {
    $url->query_form(@pairs);
    $req = GET $url->as_string;
} elsif ($verb eq 'post-form') {
    $req = POST $url->as_string, \@pairs;
} elsif ($verb eq 'post-multipart') {
    $req = POST $url->as_string, Content_Type => 'form-data', Content => \@pairs;
} else {
    die "unknown verb $verb\n";
}
my $res = LWP::UserAgent->new(timeout => 15)->request($req);
my $parsed;
# the way FixMyStreet reads every answer: XMLin, undef when it cannot
eval {
    $parsed = XMLin($res->decoded_content, KeyAttr => [], ForceArray => ['request', 'request_update', 'error']);
};
my %headers = map { lc($_) => scalar $res->header($_) } $res->header_field_names;
print JSON::PP->new->utf8->canonical->encode({
    status => 0 + $res->code,
    parsed => $parsed,
    request_type => scalar $req->header('Content-Type'),
    headers => \%headers,
}), "\n";
