"""What Debezium's PostgreSQL connector (3.6.1.Final) makes of each PostgreSQL type's value, under
the settings CaptureRun uses: the JSON converter without schemas, decimal.handling.mode=string,
time.precision.mode=adaptive_time_microseconds, interval.handling.mode=numeric (the default),
binary.handling.mode=bytes (the default).

`same(family, text, value)` says whether Debezium's JSON `value` is PostgreSQL's `text` (as
cdccraft_changes holds it) after that conversion; `family_of(type)` names a column type's family.
README's "Testing a Debezium pipeline" has the table; the forms were read off real events (t/200's
all_types case) and checked against Debezium's documentation where it has one.

KNOWN lists what Debezium does that its documentation does not promise, each reproduced here and
reported upstream: the reconciler counts those by name instead of calling them differences.
"""
import base64
import re
import struct

PLACEHOLDER = "__debezium_unavailable_value"

# Debezium passes PostgreSQL's infinite timestamps on as pgjdbc's sentinels
# (PGStatement.DATE_POSITIVE_INFINITY and DATE_NEGATIVE_INFINITY), read as microseconds.
TIMESTAMP_INFINITY = {"infinity": 9223372036825200000, "-infinity": -9223372036832400000}
# interval.handling.mode=numeric: a month is 30.4375 days (365.25 / 12).
MICROS_PER_MONTH = 2629800 * 1000000
MICROS_PER_DAY = 86400 * 1000000

DATE = re.compile(r"^(\d{4,})-(\d\d)-(\d\d)$")
TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$")
OFFSET = re.compile(r"^([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$")
# A Debezium ZonedTimestamp: ISO 8601 in UTC, the year astronomical (-4587 for 4588 BC).
ISO_INSTANT = re.compile(r"^([+-]?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")
ISO_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")


def family_of(sql_type):
    """The family of a column type as cdccraft's summary spells it (format_type's names, or
    pg_catalog's for columns it added)."""
    t = sql_type.replace("pg_catalog.", "")
    precision = re.search(r"\((\d+)\)", t)
    base = re.sub(r"\(.*?\)", "", t).strip()
    if base.endswith("[]"):
        element = family_of(base[:-2])
        return {"interval": "interval_array", "int": "int_array"}.get(element, "text_array")
    if base in ("smallint", "integer", "bigint", "int2", "int4", "int8"):
        return "int"
    if base in ("real", "float4"):
        return "real"
    if base in ("double precision", "float8"):
        return "double"
    if base in ("boolean", "bool"):
        return "bool"
    if base in ("numeric", "money", "bytea", "date", "interval"):
        return base
    if base in ("time", "time without time zone"):
        return "time"
    if base in ("timetz", "time with time zone"):
        return "timetz"
    if base in ("timestamp", "timestamp without time zone"):
        # adaptive: precision 0 to 3 in milliseconds, 4 to 6 (and none) in microseconds
        return "timestamp_ms" if precision and int(precision.group(1)) <= 3 else "timestamp_us"
    if base in ("timestamptz", "timestamp with time zone"):
        return "timestamptz"
    # text, varchar, bpchar, uuid, json, jsonb, inet, cidr, macaddr, the run's enum and domain
    return "string"


def days_from_civil(year, month, day):
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any astronomical year."""
    year -= month <= 2
    era = year // 400  # Python's // floors: no correction for negative years
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def micros_of_time(h, m, s, fraction):
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000000 + int((fraction or "").ljust(6, "0")[:6])


def split_era(text):
    """PostgreSQL's ' BC' suffix taken off, and the astronomical year's shift (4588 BC is -4587)."""
    return (text[:-3], True) if text.endswith(" BC") else (text, False)


def split_offset(clock):
    """A time's text without its UTC offset (+05:30, -04, +05:15:20), and the offset in microseconds
    (0 when it has none)."""
    found = re.search(r"[+-]\d\d(:\d\d){0,2}$", clock)
    if not found:
        return clock, 0
    sign, oh, om, osec = OFFSET.match(found.group(0)).groups()
    offset = (1 if sign == "+" else -1) * ((int(oh) * 60 + int(om or 0)) * 60 + int(osec or 0)) * 1000000
    return clock[: found.start()], offset


def pg_date_days(text):
    text, bc = split_era(text)
    y, m, d = DATE.match(text).groups()
    year = 1 - int(y) if bc else int(y)
    return days_from_civil(year, int(m), int(d))


def pg_timestamp_micros(text):
    """A timestamp's (or timestamptz's, its offset applied) microseconds since 1970 UTC."""
    text, bc = split_era(text)
    day, clock = text.split(" ")
    y, m, d = DATE.match(day).groups()
    clock, offset = split_offset(clock)
    year = 1 - int(y) if bc else int(y)
    return (days_from_civil(year, int(m), int(d)) * MICROS_PER_DAY + micros_of_time(*TIME.match(clock).groups())
            - offset)


def iso_instant_micros(value):
    y, m, d, hh, mm, ss, fraction = ISO_INSTANT.match(value).groups()
    return days_from_civil(int(y), int(m), int(d)) * MICROS_PER_DAY + micros_of_time(hh, mm, ss, fraction)


def pg_timetz_utc_micros(text):
    clock, offset = split_offset(text)
    return (micros_of_time(*TIME.match(clock).groups()) - offset) % MICROS_PER_DAY


def pg_interval_micros(text):
    """PostgreSQL's interval output (IntervalStyle postgres) in Debezium's numeric form."""
    months = days = 0
    for amount, unit in re.findall(r"([+-]?\d+) (year|mon|day)s?", text):
        n = int(amount)
        if unit == "year":
            months += 12 * n
        elif unit == "mon":
            months += n
        else:
            days += n
    micros = months * MICROS_PER_MONTH + days * MICROS_PER_DAY
    clock = re.search(r"([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?", text)
    if clock:
        sign, h, m, s, fraction = clock.groups()
        part = micros_of_time(h, m, s, fraction)
        micros += -part if sign == "-" else part
    return micros


def pg_array(text):
    """A one-dimensional array literal's elements, None for NULL."""
    inner, items, i = text[1:-1], [], 0
    if not inner:
        return items
    while i <= len(inner):
        if i < len(inner) and inner[i] == '"':
            i, item = i + 1, []
            while inner[i] != '"':
                if inner[i] == "\\":
                    i += 1
                item.append(inner[i])
                i += 1
            items.append("".join(item))
            i += 2
        else:
            end = inner.find(",", i)
            end = len(inner) if end < 0 else end
            raw = inner[i:end]
            items.append(None if raw == "NULL" else raw)
            i = end + 1
    return items


def as_float32(text):
    return struct.unpack("f", struct.pack("f", float(text)))[0]


def same(family, text, value):
    """Whether Debezium's value is PostgreSQL's text after Debezium's conversion for the family."""
    if text is None or value is None:
        return text is None and value is None
    try:
        return converts_to(family, text, value)
    except (AttributeError, ValueError, KeyError, IndexError):
        return False  # a text the family's parser does not take: no documented form


def converts_to(family, text, value):
    if family == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value == int(text)
    if family in ("real", "double"):
        if text in ("NaN", "Infinity", "-Infinity"):
            return value == text  # the JSON converter writes them as strings
        if not isinstance(value, float):
            return False
        # A real is printed as its shortest text, which Python reads as a double: compare as floats.
        return as_float32(value) == as_float32(text) if family == "real" else value == float(text)
    if family == "numeric":
        return value == ("NAN" if text == "NaN" else text)  # Debezium's SpecialValueDecimal spelling
    if family == "money":
        return value == text.replace("$", "").replace(",", "")  # lc_monetary C: the amount, unformatted
    if family == "bool":
        return value is (text == "t")
    if family == "bytea":
        return value == base64.b64encode(bytes.fromhex(text[2:])).decode()
    if family == "date":
        if text in ("infinity", "-infinity"):
            return False  # undocumented: see KNOWN
        return value == pg_date_days(text)  # days since 1970-01-01
    if family == "time":
        return value == micros_of_time(*TIME.match(text).groups())  # microseconds since midnight
    if family == "timetz":
        return isinstance(value, str) and value.endswith("Z") and \
            micros_of_time(*ISO_TIME.match(value).groups()) == pg_timetz_utc_micros(text)  # UTC, ISO
    if family in ("timestamp_ms", "timestamp_us"):
        micros = TIMESTAMP_INFINITY[text] if text in TIMESTAMP_INFINITY else pg_timestamp_micros(text)
        return value == (micros // 1000 if family == "timestamp_ms" else micros)
    if family == "timestamptz":
        if text in ("infinity", "-infinity"):
            return value == text
        return isinstance(value, str) and iso_instant_micros(value) == pg_timestamp_micros(text)
    if family == "interval":
        # "approximate number of microseconds": Debezium computes it in floating point
        return isinstance(value, int) and abs(value - pg_interval_micros(text)) <= 1
    if family == "text_array":
        return value == pg_array(text)
    if family == "int_array":
        return value == [None if v is None else int(v) for v in pg_array(text)]
    return value == text


# What Debezium 3.6.1 does that it does not document, each seen here; name -> test of
# (family, text, value), where value is ABSENT when the event lacks the column.
ABSENT = object()
KNOWN = {
    # PostgresValueConverter's POSITIVE_INFINITY_LOCAL_DATE carries a minus sign (dbz#2524, open):
    # 'infinity' arrives as a day in 5877611 BC, before the day '-infinity' arrives as.
    "date 'infinity' as day -2147472692, before '-infinity' (dbz#2524)":
        lambda family, text, value: family == "date" and text == "infinity" and value == -2147472692,
    "date '-infinity' as day -2147472691 (dbz#2524)":
        lambda family, text, value: family == "date" and text == "-infinity" and value == -2147472691,
    # No converter for _interval: the column is left out of every event, with a WARN in the log
    # (risingwave#16882 reports it against Debezium).
    "interval[] left out of the events (no converter for _interval)":
        lambda family, text, value: family == "interval_array" and value is ABSENT,
}


UNQUOTED = "a column named with its double quotes (\"note\") arrives without them (dbz#1235)"


def with_names_restored(columns, row, counts):
    """Debezium's row with the names it unquoted given back their quotes (counted under UNQUOTED),
    when no column of the table has the unquoted name."""
    if row is None:
        return None
    restored = dict(row)
    for name in columns:
        bare = name[1:-1]
        if len(name) > 2 and name[0] == name[-1] == '"' and name not in row and bare in row and bare not in columns:
            restored[name] = restored.pop(bare)
            counts[UNQUOTED] += 1
    return restored


def known_deviation(family, text, value):
    """The name of the known deviation that explains value, or None."""
    for name, test in KNOWN.items():
        if test(family, text, value):
            return name
    return None
