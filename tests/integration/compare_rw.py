"""compare_rw.py — checks what a real receiver stored against what should have arrived
by remote write, exactly: the same series (all labels), each with exactly the expected
(timestamp, value) pairs; no extra series, no extra points.

    python3 compare_rw.py EXPECTED ACTUAL FORMAT

EXPECTED: one JSON object per line (the exporter's oracle; a series may come on several
lines, one sample each):
  {"labels": {"__name__": "m", "k": "v"}, "value": 1.5, "timestamp_ms": 1700000000123}
ACTUAL, by FORMAT:
  prom  Prometheus' /api/v1/query answer for a range selector (prom_query_range): a
        matrix; values are strings, timestamps seconds with ms decimals, converted to
        int ms through their decimal text (no float rounding).
  vm    VictoriaMetrics' /api/v1/export (vm_export): one JSON line per series with
        "metric", "values" and ms "timestamps".

Values are compared as float64 after parsing (NaN matches NaN; 0.0 matches -0.0);
Prometheus writes the shortest text that parses back to the same float64, so its
strings compare exactly. The same timestamp twice for one expected series with the same
value counts once (a receiver keeps one); with two values EXPECTED is contradictory.

Prints "N series, M samples compared, K wrong" (N: series in EXPECTED or ACTUAL; M:
distinct (series, timestamp) pairs in either; K: those missing, extra or with another
value), then up to 10 differences. Exit 0 when all match, 1 when some differ, 2 when a
file cannot be read or parsed.
"""
import decimal
import json
import math
import re
import sys

MAX_SHOWN = 10


class InputError(Exception):
    pass


def parse_value(v):
    """A sample value from JSON: a number, or a string such as "1.5", "NaN", "+Inf"."""
    if isinstance(v, bool) or not isinstance(v, (int, float, str, decimal.Decimal)):
        raise ValueError(f'not a number: {v!r}')
    return float(v)


def parse_ms(t, scale):
    """An int ms timestamp from t in units of 1/scale s (scale 1000: ms; 1: seconds),
    through decimal arithmetic: a Decimal or int is exact, a float goes by its repr."""
    if isinstance(t, bool) or not isinstance(t, (int, float, str, decimal.Decimal)):
        raise ValueError(f'not a timestamp: {t!r}')
    try:
        ms = decimal.Decimal(repr(t) if isinstance(t, float) else t) * (1000 // scale)
    except decimal.InvalidOperation:
        raise ValueError(f'not a timestamp: {t!r}') from None
    if not ms.is_finite() or ms != ms.to_integral_value():
        raise ValueError(f'timestamp is not a whole ms: {t!r}')
    return int(ms)


def series_key(labels):
    if not isinstance(labels, dict):
        raise ValueError(f'labels is not an object: {labels!r}')
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


def add(store, key, ts, value, where):
    points = store.setdefault(key, {})
    if ts in points and not same(points[ts], value):
        raise InputError(f'{where}: {fmt_series(key)} has two values at {ts}: '
                         f'{points[ts]!r} and {value!r}')
    points[ts] = value


def read_expected(path):
    store = {}
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f'{path}:{lineno}'
            try:
                obj = json.loads(line)
                add(store, series_key(obj['labels']), parse_ms(obj['timestamp_ms'], 1000),
                    parse_value(obj['value']), where)
            except (ValueError, KeyError, TypeError, decimal.InvalidOperation) as e:
                raise InputError(f'{where}: {e!r}') from None
    return store


def read_prom(path):
    """/api/v1/query JSON; floats as Decimal so that 1700000000.123 is exact."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    try:
        doc = json.loads(text, parse_float=decimal.Decimal)
    except ValueError as e:
        raise InputError(f'{path}: not JSON: {e}') from None
    if not isinstance(doc, dict) or doc.get('status') != 'success':
        raise InputError(f'{path}: not a successful answer: {text[:200]}')
    data = doc.get('data') or {}
    if data.get('resultType') != 'matrix':
        raise InputError(f'{path}: resultType {data.get("resultType")!r}, not matrix '
                         '(query a range selector, NAME[1h])')
    store, histograms = {}, 0
    for i, res in enumerate(data.get('result') or []):
        where = f'{path}: result[{i}]'
        try:
            key = series_key(res['metric'])
            store.setdefault(key, {})
            for t, v in res.get('values') or []:
                add(store, key, parse_ms(t, 1), parse_value(v), where)
            histograms += len(res.get('histograms') or [])
        except (ValueError, KeyError, TypeError, decimal.InvalidOperation) as e:
            raise InputError(f'{where}: {e!r}') from None
    return store, histograms


# The "values" array of an export line: numbers only, so no ']' inside; a label cannot
# fake it, as a '"' inside a JSON string is escaped.
VM_VALUES = re.compile(r'"values":\[([^\]]*)\]')


def read_vm(path):
    """/api/v1/export JSON lines. VictoriaMetrics writes +Inf and -Inf bare (not JSON),
    so the values array is cut out and each value read with float()."""
    store = {}
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f'{path}:{lineno}'
            try:
                m = VM_VALUES.search(line)
                if not m:
                    raise ValueError('no "values" array')
                values = [float(v) for v in m.group(1).split(',') if v.strip()]
                obj = json.loads(line[:m.start(1)] + line[m.end(1):])
                key = series_key(obj['metric'])
                stamps = obj['timestamps']
                if len(values) != len(stamps):
                    raise ValueError(f'{len(values)} values, {len(stamps)} timestamps')
                store.setdefault(key, {})
                for v, t in zip(values, stamps):
                    add(store, key, parse_ms(t, 1000), v, where)
            except (ValueError, KeyError, TypeError, decimal.InvalidOperation) as e:
                raise InputError(f'{where}: {e!r}') from None
    return store, 0


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def fmt_series(key):
    name = dict(key).get('__name__', '')
    rest = ','.join(f'{k}={json.dumps(v, ensure_ascii=False)}' for k, v in key if k != '__name__')
    return f'{name}{{{rest}}}'


def compare(expected, actual):
    """Returns (series, samples, wrong, [difference lines])."""
    diffs, samples, wrong = [], 0, 0
    keys = sorted(set(expected) | set(actual))
    for key in keys:
        exp, act = expected.get(key), actual.get(key)
        if act is None or exp is None:
            # A whole series missing or extra: one line for it, its samples count wrong.
            pts = exp if act is None else act
            samples += len(pts)
            wrong += len(pts)
            shown = ', '.join(f'{t}={v!r}' for t, v in sorted(pts.items())[:3])
            more = ', ...' if len(pts) > 3 else ''
            what = 'missing series' if act is None else 'extra series'
            plural = '' if len(pts) == 1 else 's'
            diffs.append(f'{what} {fmt_series(key)}: {len(pts)} sample{plural} ({shown}{more})')
            continue
        for ts in sorted(set(exp) | set(act)):
            samples += 1
            if ts not in act:
                wrong += 1
                diffs.append(f'missing sample {fmt_series(key)} @{ts}: expected {exp[ts]!r}')
            elif ts not in exp:
                wrong += 1
                diffs.append(f'extra sample {fmt_series(key)} @{ts}: got {act[ts]!r}')
            elif not same(exp[ts], act[ts]):
                wrong += 1
                diffs.append(f'wrong value {fmt_series(key)} @{ts}: expected {exp[ts]!r}, got {act[ts]!r}')
    return len(keys), samples, wrong, diffs


def main(argv):
    if len(argv) != 4 or argv[3] not in ('prom', 'vm'):
        print('usage: compare_rw.py EXPECTED ACTUAL prom|vm', file=sys.stderr)
        return 2
    try:
        expected = read_expected(argv[1])
        actual, histograms = (read_prom if argv[3] == 'prom' else read_vm)(argv[2])
    except (OSError, InputError) as e:
        print(f'compare_rw.py: {e}', file=sys.stderr)
        return 2
    n, m, k, diffs = compare(expected, actual)
    if histograms:
        k += histograms
        diffs.append(f'{histograms} native histogram samples, which remote write 1.0 from mxp never sends')
    print(f'{n} series, {m} samples compared, {k} wrong')
    for line in diffs[:MAX_SHOWN]:
        print('  ' + line)
    if len(diffs) > MAX_SHOWN:
        print(f'  ... and {len(diffs) - MAX_SHOWN} more differences')
    return 0 if k == 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
