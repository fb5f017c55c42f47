"""The compact form of a step's JSON lines, and its exact inverse.

A traced train step of the toy config holds about 170 tensor records and
50 ``call`` records whose line-by-line descriptions repeat a great deal
(the same five per-level shapes are bound in a dozen functions). The step
is written in one piece, so its lines can share what they repeat:

- The step's first line, ``symbols``, carries ``phase``, ``iteration`` and
  ``schema_version`` for all the step's lines, which leave them out, and two
  tables: ``origins`` (``[producer, source, reproduces]`` of the code that
  made records, which refer to one by ``origin``: its index) and ``shared``
  (pass contexts and descriptions, and the descriptions inside them, used
  more than once: a ``call`` record's lines, and the table itself, refer
  to them by index).
- A tensor record with a symbolic shape leaves out ``ok`` and
  ``expected`` when they agree (``expected`` then equals ``shape``),
  ``dtype`` when it is ``float32`` and ``device`` when it is ``cpu`` (one it
  does not have is written ``null``); a tensor description leaves out a
  ``float32`` dtype (its value summary, a mapping, then follows its
  shape).
- A ``call`` record leaves out ``producer`` (its ``name``), ``stage``
  (``listing``) and ``self_type`` (the first class of ``mro``); instead of
  its ``path`` it names its caller's ``call`` record by index (``parent``);
  ``executed`` is written as runs (``[first, last]``); a pass equal to an
  earlier pass of the same line is written as that pass's index, and a
  pass without a context as its names alone.

:func:`expand_step` restores every field, so the records read back are
equal to the records written.
"""
import json

_STEP_KEYS = ('phase', 'iteration', 'schema_version')
_DEFAULTS = dict(dtype='float32', device='cpu')


def _key(value):
    """The identity of a value, its key order included (pages follow it)."""
    return json.dumps(value, separators=(',', ':'))


def _children(desc, change):
    """``desc`` with ``change`` applied to each description inside it."""
    if not isinstance(desc, list):
        return desc
    tag = desc[0]
    if tag == 'L':
        return desc[:3] + [[None if d is None else change(d)
                            for d in desc[3]]]
    if tag == 'D':
        return ['D', {k: change(d) for k, d in desc[1].items()}]
    if tag == 'O':
        return ['O', desc[1], {k: change(d) for k, d in desc[2].items()}]
    return desc


def _short_desc(desc):
    """A description without the ``float32`` dtypes of its tensors."""
    if isinstance(desc, list) and desc[0] == 'T':
        return desc[:2] + desc[3:] if desc[2] == 'float32' else desc
    return _children(desc, _short_desc)


def _full_desc(desc):
    """A description with the ``float32`` dtypes put back."""
    if isinstance(desc, list) and desc[0] == 'T':
        if len(desc) == 2 or isinstance(desc[2], dict):
            return desc[:2] + ['float32'] + desc[2:]
        return desc
    return _children(desc, _full_desc)


def _runs(numbers):
    runs = []
    for n in sorted(numbers):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return [a if a == b else [a, b] for a, b in runs]


def _numbers(runs):
    out = []
    for run in runs:
        out += [run] if isinstance(run, int) else list(
            range(run[0], run[1] + 1))
    return out


class _Shared:
    """Values used more than once in a step's lines (pass contexts,
    descriptions and the descriptions inside them), by index."""

    def __init__(self, calls):
        self.counts = {}
        for data in calls:
            for entries in data['values']['lines'].values():
                for ctx, names in entries:
                    self._count(ctx)
                    for desc in names.values():
                        self._walk(_short_desc(desc))
        kept = [key for key, n in self.counts.items()
                if n > 1 and len(key) > 4]
        self.index = {key: i for i, key in enumerate(kept)}
        self.table = [self.inner(json.loads(key)) for key in kept]

    def _count(self, value):
        key = _key(value)
        self.counts[key] = self.counts.get(key, 0) + 1

    def _walk(self, desc):
        self._count(desc)
        _children(desc, lambda d: self._walk(d) or d)

    def ref(self, value):
        """The index of ``value`` if it is shared, else ``value`` with its
        shared parts replaced by their indices."""
        index = self.index.get(_key(value))
        return index if index is not None else self.inner(value)

    def inner(self, desc):
        return _children(desc, self.ref)


def compact_step(dicts):
    """The compact form of a step's ``to_dict()`` records (symbols first)."""
    head, body = dict(dicts[0]), [dict(d) for d in dicts[1:]]
    origins = {}
    for data in body:
        for key in _STEP_KEYS:
            data.pop(key, None)
        if data['kind'] == 'tensor':
            if data.get('ok') is True and 'symbolic' in data:
                del data['ok']  # agreement is the rule: only ok: false
                data.pop('expected', None)
            for key, default in _DEFAULTS.items():
                if data.get(key) == default:
                    data.pop(key)
                elif key not in data:
                    data[key] = None  # absent, not the default
        if data['kind'] in ('tensor', 'stats', 'boxes') and 'producer' in data:
            origin = (data.pop('producer'), data.pop('source', None),
                      data.pop('reproduces', None))
            data['origin'] = origins.setdefault(origin, len(origins))
    calls = [d for d in body if d['kind'] == 'call']
    shared = _Shared(calls)
    paths = {}
    for index, data in enumerate(calls):
        values = data['values'] = dict(data['values'])
        path = tuple(values.pop('path'))
        paths[path] = index
        if path[:-1] in paths:
            values['parent'] = paths[path[:-1]]
        values['executed'] = _runs(values['executed'])
        values.pop('self_type', None)
        values['lines'] = {
            line: _compact_passes(entries, shared)
            for line, entries in values['lines'].items()
        }
        for key in ('producer', 'stage'):
            data.pop(key, None)
    if origins:
        head['origins'] = [list(o) for o in origins]
    if shared.table:
        head['shared'] = shared.table
    return [head] + body


def _compact_passes(entries, shared):
    out, seen = [], {}
    for index, (ctx, names) in enumerate(entries):
        names = {k: shared.ref(_short_desc(d)) for k, d in names.items()}
        key = _key(names)
        if key in seen:
            names = seen[key]
        else:
            seen[key] = index
        # a pass without a context is written as its names alone
        out.append([shared.ref(ctx), names] if ctx else names)
    return out


class StepExpander:
    """Restores the full records of one step from its compact lines."""

    def __init__(self, head):
        head = dict(head)
        self.origins = head.pop('origins', [])
        self.shared = head.pop('shared', [])
        self.step = {k: head[k] for k in _STEP_KEYS if k in head}
        self.head = head
        self.paths = []

    def expand(self, data):
        """The full dict of one compact line of this step."""
        data = dict(self.step, **data)
        kind = data.get('kind')
        if 'origin' in data:
            producer, source, reproduces = self.origins[data.pop('origin')]
            data.update(producer=producer, source=source,
                        reproduces=reproduces)
            data = {k: v for k, v in data.items() if v is not None}
        if kind == 'tensor':
            for key, default in _DEFAULTS.items():
                if data.setdefault(key, default) is None:
                    del data[key]
            if 'symbolic' in data and 'ok' not in data:
                data.update(ok=True, expected=list(data['shape']))
        if kind == 'call':
            data = self._call(data)
        return data

    def _call(self, data):
        values = dict(data['values'])
        parent = values.pop('parent', None)
        path = (list(self.paths[parent]) if parent is not None else []) + [
            data['name']]
        self.paths.append(path)
        lines = {}
        for line, entries in values['lines'].items():
            passes = []
            for entry in entries:
                if isinstance(entry, list):
                    ctx, names = entry
                else:  # a pass without a context
                    ctx, names = {}, entry
                if isinstance(names, int):
                    names = passes[names][1]
                else:
                    names = {k: self._desc(d) for k, d in names.items()}
                passes.append([self._value(ctx), names])
            lines[line] = passes
        out = dict(path=path, calls=values['calls'])
        for key in ('levels', 'facts'):
            if key in values:
                out[key] = values[key]
        out['executed'] = _numbers(values['executed'])
        out['lines'] = lines
        out['folded'] = values.get('folded', {})
        if 'mro' in values:
            out.update(self_type=values['mro'][0], mro=values['mro'])
        for key in ('reproduces', 'reproduces_source'):
            if key in values:
                out[key] = values[key]
        data.update(values=out, producer=data['name'], stage='listing')
        return data

    def _value(self, value):
        return self.shared[value] if isinstance(value, int) else value

    def _desc(self, desc):
        """A full description from its compact form: shared parts looked
        up, ``float32`` dtypes put back."""
        return _full_desc(_children(self._value(desc), self._desc))
