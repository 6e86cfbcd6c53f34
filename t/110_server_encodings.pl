# Generated text is valid in the database's encoding. The same seeded run in
# LATIN1, WIN1252, EUC_JP, SQL_ASCII, MULE_INTERNAL and UTF8 databases (the
# first, third and last inserting through COPY) gives the same keys and
# values everywhere; a name (a given name or a surname, the
# unit the run draws) keeps its spelling wherever the encoding can represent
# it and is otherwise spelled as its ASCII folding. Every row reads back in a
# UTF8 client, and a dump of the EUC_JP database restores.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Encode qw(decode);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Unicode::Normalize qw(NFD);

my $node = PostgreSQL::Test::Cluster->new('encodings');
$node->init(allows_streaming => 'logical');
$node->start;

# Read as a UTF8 client (PostgreSQL::Test::Utils clears this), but for
# MULE_INTERNAL, which has no conversion to UTF8 at all: a client in its own
# encoding reads it. Set only now: a postmaster takes its default
# client_encoding from this variable, and a worker connecting to the
# MULE_INTERNAL database with that default would not start.
$ENV{PGCLIENTENCODING} = 'UTF8';
sub client_encoding_of { my ($encoding) = @_; return $encoding eq 'MULE_INTERNAL' ? $encoding : 'UTF8'; }

my %database = (
    UTF8 => 'enc_utf8',
    LATIN1 => 'enc_latin1',
    WIN1252 => 'enc_win1252',
    EUC_JP => 'enc_euc_jp',
    SQL_ASCII => 'enc_sql_ascii',
    MULE_INTERNAL => 'enc_mule_internal');
my @others = qw(LATIN1 WIN1252 EUC_JP SQL_ASCII MULE_INTERNAL);

sub query {
    my ($encoding, $sql) = @_;
    local $ENV{PGCLIENTENCODING} = client_encoding_of($encoding);
    return $node->safe_psql($database{$encoding}, $sql);
}

sub create_database {
    my ($name, $encoding) = @_;
    $node->safe_psql('postgres',
        "CREATE DATABASE $name ENCODING '$encoding' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
}

# Slot names are the cluster's, so each database's run names its own.
my %run;
for my $encoding (sort keys %database) {
    create_database($database{$encoding}, $encoding);
    query($encoding, 'CREATE EXTENSION cdccraft');
    # Half the databases insert through COPY, half through INSERT: the same
    # rows either way.
    query($encoding, "ALTER DATABASE $database{$encoding} SET cdccraft.insert_method = "
          . ($encoding =~ /^(LATIN1|EUC_JP|UTF8)$/ ? 'copy' : 'insert'));
    $run{$encoding} = query($encoding,
        "SELECT cdccraft_start(seed => 7, total_records => 5000, batch_size => 100, evolve => false, "
          . "slot_name => 'sales_$database{$encoding}')");
}
for my $encoding (sort keys %database) {
    query($encoding, "CALL cdccraft_wait($run{$encoding}, '180s')");
    is(query($encoding, "SELECT state || ' ' || (parameters->>'insert_method') FROM cdccraft_runs WHERE run_id = $run{$encoding}"),
        'completed ' . ($encoding =~ /^(LATIN1|EUC_JP|UTF8)$/ ? 'copy' : 'insert'), "$encoding: the run completes");
}

# One line per row: key, name, and every other generated column. purchased_at
# is an offset from the run's start, which differs between runs, so it is
# compared relative to the first row's.
my $rows_sql = q{
    SELECT concat_ws(E'\t', id, customer_name, item_id, quantity, total_amount,
                     extract(epoch FROM purchased_at - (SELECT purchased_at FROM sales ORDER BY id LIMIT 1)))
      FROM sales ORDER BY id};

# The rows as the database's client reads them, or undef if they cannot be read.
sub read_rows {
    my ($encoding) = @_;
    local $ENV{PGCLIENTENCODING} = client_encoding_of($encoding);
    my ($rc, $out, $err) = $node->psql($database{$encoding}, $rows_sql);
    if ($rc != 0) {
        diag("$encoding: $err");
        return undef;
    }
    my @rows;
    for my $line (split /\n/, $out) {
        my ($id, $name, @rest) = split /\t/, decode('UTF-8', $line, Encode::FB_CROAK), -1;
        push @rows, { id => $id, name => $name, rest => join("\t", @rest) };
    }
    return \@rows;
}

# The ASCII folding, spelled out independently of the extension's: letters
# lose their marks, and the few that have none to lose are spelled in ASCII.
my %spelled = (
    "\x{00DF}" => 'ss', "\x{00E6}" => 'ae', "\x{00C6}" => 'AE', "\x{00F8}" => 'o', "\x{00D8}" => 'O',
    "\x{0131}" => 'i', "\x{0142}" => 'l', "\x{0141}" => 'L', "\x{0153}" => 'oe', "\x{0152}" => 'OE',
    "\x{00F0}" => 'd', "\x{00D0}" => 'D', "\x{0111}" => 'd', "\x{0110}" => 'D', "\x{00FE}" => 'th',
    "\x{00DE}" => 'TH');

# The names in scripts without Latin letters (and one with an emoji) have a
# romanization instead: the pools' own, stated here again.
my %romanized = (
    "\x{82B3}" => 'Fang', "\x{3055}\x{304F}\x{3089}" => 'Sakura', "\x{BBFC}\x{C900}" => 'Minjun',
    "\x{0645}\x{062D}\x{0645}\x{062F}" => 'Muhammad', "\x{0641}\x{0627}\x{0637}\x{0645}\x{0629}" => 'Fatima',
    "\x{05E0}\x{05D5}\x{05E2}\x{05D4}" => 'Noa', "\x{0414}\x{043C}\x{0438}\x{0442}\x{0440}\x{0438}\x{0439}" => 'Dmitriy',
    "\x{0391}\x{03BB}\x{03AD}\x{03BE}\x{03B1}\x{03BD}\x{03B4}\x{03C1}\x{03BF}\x{03C2}" => 'Alexandros',
    "Ana\x{1F338}" => 'Ana', "\x{738B}" => 'Wang', "\x{674E}" => 'Li', "\x{20BB7}\x{91CE}" => 'Yoshino',
    "\x{AE40}" => 'Kim', "\x{0627}\x{0644}\x{0639}\x{0644}\x{064A}" => 'Al-Ali', "\x{05DB}\x{05D4}\x{05DF}" => 'Cohen',
    "\x{0418}\x{0432}\x{0430}\x{043D}\x{043E}\x{0432}\x{0430}" => 'Ivanova',
    "\x{03A0}\x{03B1}\x{03C0}\x{03B1}\x{03B4}\x{03AC}\x{03BA}\x{03B7}" => 'Papadaki');

sub ascii_fold {
    my ($text) = @_;
    return $romanized{$text} if exists $romanized{$text};
    my $folded = NFD($text);
    $folded =~ s/\p{Mn}//g;
    $folded =~ s/([^\x00-\x7F])/$spelled{$1} \/\/ '?'/ge;
    return $folded;
}

# A row's name is a given name, a space, and a surname (given names have no
# spaces); each is spelled on its own.
sub parts { my ($name) = @_; return split / /, $name, 2; }

my $reference = read_rows('UTF8');
ok(defined $reference && @$reference > 0, 'UTF8: the rows read back');
my %rows_of;
for my $encoding (@others) {
    $rows_of{$encoding} = read_rows($encoding);
    ok(defined $rows_of{$encoding}, "$encoding: every row reads back in a " . client_encoding_of($encoding) . ' client');
}

# Whether each name of the reference run is representable in each encoding,
# asked of PostgreSQL's own conversions. ASCII is in every server encoding,
# even in MULE_INTERNAL, which has no conversion from UTF8.
my %representable;
my $names = query(
    'UTF8', qq{
    CREATE FUNCTION pg_temp.representable(t text, encoding name) RETURNS boolean LANGUAGE plpgsql AS \$\$
    BEGIN
        IF octet_length(t) = char_length(t) THEN
            RETURN true;
        END IF;
        PERFORM convert_to(t, encoding);
        RETURN true;
    EXCEPTION WHEN untranslatable_character OR undefined_function THEN
        RETURN false;
    END \$\$;
    WITH names AS (
        SELECT split_part(customer_name, ' ', 1) AS name FROM sales
        UNION SELECT substr(customer_name, strpos(customer_name, ' ') + 1) FROM sales)
    SELECT concat_ws(E'\\t', name, } . join(', ', map { "pg_temp.representable(name, '$_')" } @others) . q{)
      FROM names ORDER BY name});
for my $line (split /\n/, $names) {
    my ($name, @flags) = split /\t/, decode('UTF-8', $line, Encode::FB_CROAK);
    $representable{$others[$_]}{$name} = $flags[$_] eq 't' for 0 .. $#others;
}
ok((grep { !$representable{LATIN1}{$_} } keys %{ $representable{LATIN1} }) > 0,
    'some names of the run are not representable in LATIN1');

for my $encoding (@others) {
    my $rows = $rows_of{$encoding};
  SKIP: {
        skip "$encoding: the rows cannot be read", 5 unless defined $rows && defined $reference;
        is(join(',', map { $_->{id} } @$rows), join(',', map { $_->{id} } @$reference),
            "$encoding: the same keys as in UTF8");
        my ($other_columns, $kept, $folded, $wrong, $mojibake, $non_ascii) = (0, 0, 0, 0, 0, 0);
        for my $i (0 .. $#$reference) {
            my ($want, $got) = ($reference->[$i], $rows->[$i]);
            last unless defined $got;
            $other_columns++ if $got->{rest} ne $want->{rest};
            $mojibake++ if $got->{name} =~ /\x{00C3}/;
            $non_ascii++ if $got->{name} =~ /[^\x00-\x7F]/;
            my @want = parts($want->{name});
            my @got = parts($got->{name});
            for my $p (0, 1) {
                if ($representable{$encoding}{ $want[$p] }) {
                    if (($got[$p] // '') eq $want[$p]) { $kept++ } else { $wrong++ }
                } elsif (($got[$p] // '') eq ascii_fold($want[$p]) && $got[$p] =~ /^[\x00-\x7F]+$/) {
                    $folded++;
                } else {
                    $wrong++;
                    diag("$encoding: \"$got[$p]\" for \"$want[$p]\"") if $wrong <= 5;
                }
            }
        }
        is($other_columns, 0, "$encoding: every other column equals UTF8's, row for row");
        is($wrong, 0,
            "$encoding: every name is UTF8's where representable ($kept), else its ASCII folding ($folded)");
        is($mojibake, 0, "$encoding: no name carries mojibake");
        # So that each way of spelling is seen: LATIN1 and WIN1252 lack some
        # letters of the pools, EUC_JP (with JIS X 0212) has every Latin,
        # Greek and Cyrillic one and most Chinese and Japanese ones, but no
        # Korean, Arabic or Hebrew, SQL_ASCII keeps the UTF-8 bytes,
        # MULE_INTERNAL folds every name.
        if ($encoding eq 'LATIN1' || $encoding eq 'WIN1252' || $encoding eq 'EUC_JP') {
            ok($folded > 0 && $non_ascii > 0,
                "$encoding: folded names ($folded) beside names that keep their accents ($non_ascii rows)");
        } elsif ($encoding eq 'MULE_INTERNAL') {
            ok($folded > 0 && $non_ascii == 0, "$encoding: every name that is not ASCII is folded ($folded)");
        } else {
            ok($folded == 0 && $non_ascii > 0, "$encoding: no name is folded, $non_ascii rows keep their accents");
        }
    }
}

# A dump of the EUC_JP database, in its own encoding as pg_dump makes it by
# default, restores without error and with the same rows.
my $dump = $node->basedir . '/enc_euc_jp.dump';
{
    delete local $ENV{PGCLIENTENCODING};
    $node->command_ok(
        [ $node->installed_command('pg_dump'), '-Fc', '-d', $database{EUC_JP}, '-f', $dump ],
        'EUC_JP: pg_dump succeeds');
    create_database('enc_euc_jp_restored', 'EUC_JP');
    $node->command_ok(
        [ $node->installed_command('pg_restore'), '--exit-on-error', '-d', 'enc_euc_jp_restored', $dump ],
        'EUC_JP: the dump restores into a new database without error');
}
my $digest = q{SELECT count(*) || ' ' || md5(string_agg(id || customer_name, ',' ORDER BY id)) FROM public.sales};
is($node->psql('enc_euc_jp_restored', $digest, stdout => \my $restored), 0, 'EUC_JP: the restored rows read back');
is($restored, query('EUC_JP', $digest), 'EUC_JP: the restored rows are the dumped rows');

$node->stop;
done_testing();
