"""The trace file on disk: a writer that appends whole steps, and a
tolerant reader."""
import json
import os
import os.path as osp
import threading
from collections import OrderedDict

from .compact import StepExpander, compact_step
from .records import TraceRecord


def _line(data):
    return json.dumps(data, separators=(',', ':'), ensure_ascii=False) + '\n'


def encode(records):
    """The JSON lines of ``records``: a whole step (``symbols`` first) in
    the compact form of :mod:`.compact`, other records one object a line."""
    dicts = [r.to_dict() for r in records]
    if dicts and dicts[0]['kind'] == 'symbols':
        dicts = compact_step(dicts)
    return ''.join(_line(d) for d in dicts)


class _Reader:
    """Turns the lines of a trace, in order, into full records: a line
    without ``phase`` belongs to the step whose ``symbols`` line came last."""

    def __init__(self):
        self.step = None

    def record(self, data):
        if data.get('kind') == 'symbols':
            self.step = StepExpander(data)
            data = self.step.head
        elif 'phase' not in data:
            if self.step is None:
                raise ValueError('a line of a step before its symbols line')
            data = self.step.expand(data)
        return TraceRecord.from_dict(data)


def decode(text):
    """The records of JSON lines written by :func:`encode`."""
    reader = _Reader()
    return [reader.record(json.loads(line))
            for line in text.splitlines() if line.strip()]


def step_records(records):
    """A step's records in reading order: a ``pictures`` record goes
    before the ``summary``, which stays last."""
    pictures = [r for r in records if r.kind == 'pictures']
    rest = [r for r in records if r.kind != 'pictures']
    if rest and rest[-1].kind == 'summary':
        return rest[:-1] + pictures + rest[-1:]
    return rest + pictures


def summary_of(records):
    return next(r for r in reversed(records) if r.kind == 'summary')


def pictures_of(records):
    """What the ``pictures`` record of a step lists, or ``[]``."""
    found = next((r for r in records if r.kind == 'pictures'), None)
    return found.values.get('pictures', []) if found else []


class TraceWriter:
    """Appends JSON lines and flushes after every write, so a run that dies
    keeps every step it finished. Safe to share between the training
    thread and the rendering worker."""

    def __init__(self, path):
        self.path = path
        self._file = None
        self._lock = threading.Lock()

    def write(self, records):
        """Write ``records`` in one piece; returns the text written."""
        text = encode(records)
        self.write_text(text)
        return text

    def write_text(self, text):
        with self._lock:
            if self._file is None:
                os.makedirs(osp.dirname(osp.abspath(self.path)),
                            exist_ok=True)
                torn = _ends_mid_line(self.path)
                self._file = open(self.path, 'a', encoding='utf-8')
                if torn:  # a killed run left half a line: start afresh
                    self._file.write('\n')
            self._file.write(text)
            self._file.flush()

    def close(self):
        """Close the file; what a full disk kept from being written is
        dropped here, as the failed write already said."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None


def _ends_mid_line(path):
    """True when ``path`` exists, is a regular file and its last byte is
    not a newline."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    with open(path, 'rb') as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b'\n'


def read_trace(path, problems=None):
    """Records of a trace file, one list per complete step, in order.

    A step is complete when it starts with its ``symbols`` line and has its
    ``summary`` line; its ``pictures`` record, written later, is put before
    the summary (see :func:`step_records`). A line that does not parse (the
    torn last line of a run that was killed) is left out, as is the step it
    cut short; what was left out is described in ``problems`` (a list) when
    one is given. A record of another schema version is an error that says
    which version the file has.
    """
    groups = OrderedDict()
    torn = []
    reader = _Reader()
    with open(path, encoding='utf-8', errors='replace') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                torn.append(number)
                continue
            try:
                record = reader.record(data)
            except (TypeError, KeyError, IndexError) as err:
                raise ValueError(f'{path}:{number}: not a trace record: '
                                 f'{err!r}') from None
            except ValueError as err:
                raise ValueError(f'{path}:{number}: {err}') from None
            key = (record.phase, record.iteration)
            if record.kind == 'symbols':
                groups[key] = []
            groups.setdefault(key, []).append(record)
    complete = OrderedDict(
        (key, step_records(g)) for key, g in groups.items()
        if g and g[0].kind == 'symbols'
        and any(r.kind == 'summary' for r in g))
    if problems is not None:
        if torn:
            problems.append(f'{path}: left out {len(torn)} line(s) that do '
                            f'not parse (a torn write): line(s) {torn}')
        cut = [key for key in groups if key not in complete]
        if cut:
            problems.append(f'{path}: left out step(s) cut short, '
                            f'(phase, iteration): {cut}')
    return list(complete.values())
