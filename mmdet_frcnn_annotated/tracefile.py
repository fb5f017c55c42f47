"""The trace file: the one boundary between recording and rendering.

A traced step is recorded as plain-data :class:`TraceRecord` objects, written
here as JSON lines (``trace_rank<r>.jsonl``) and read back here; every page
is rendered from records that went through :func:`encode` and
:func:`decode`, whether the run is live or the file is read afterwards.

Kinds of record, in the order of one step:
    ``symbols``   the bound symbols of the step (N, H, W, A, C, ...).
    ``config``    the config values the stage notes quote.
    ``tensor``    one tensor: its shape, symbolic shape and whether they
                  agree (``known`` names the mmdet behaviour a disagreement
                  is).
    ``stats``     small statistics of a stage (counts, quantiles).
    ``loss``      one loss value.
    ``boxes``     boxes of one image to draw, in the network input's frame.
    ``call``      one watched function along one call path (line capture).
    ``summary``   closes the step: how many records, mismatches, errors.
    ``pictures``  written after the step by the renderer: the pictures it
                  drew. The reader puts it before the ``summary``.

Descriptions of bound values inside ``call`` records are JSON lists tagged
by their first item; :func:`describe_from_json` turns them into the named
records below.
"""
import json
import os
import os.path as osp
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, NamedTuple, Optional

SCHEMA_VERSION = 2


@dataclass
class TraceRecord:
    kind: str
    phase: str
    iteration: int
    stage: str = ''
    name: str = ''
    shape: Optional[List[int]] = None
    symbolic: Optional[List[str]] = None
    expected: Optional[List[int]] = None
    ok: Optional[bool] = None
    known: Optional[str] = None
    dtype: Optional[str] = None
    device: Optional[str] = None
    producer: Optional[str] = None
    source: Optional[str] = None
    reproduces: Optional[str] = None
    values: Dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self):
        """Drop empty fields so that a line holds only what it says."""
        return {
            k: v
            for k, v in asdict(self).items() if v is not None and v != {}
        }

    @classmethod
    def from_dict(cls, data):
        if data.get('schema_version') != SCHEMA_VERSION:
            raise ValueError(
                f'trace record has schema_version '
                f'{data.get("schema_version")!r}; this reader understands '
                f'{SCHEMA_VERSION}')
        return cls(**data)


# descriptions of the values a line bound -------------------------------------
class TensorDesc(NamedTuple):
    """A tensor or array: ``['T', shape, dtype]`` (+ ``summary``)."""
    shape: list
    dtype: str
    summary: Optional[dict] = None


class ValueDesc(NamedTuple):
    """An int, float, bool, None or short string: ``['V', value]``."""
    value: Any


class SequenceDesc(NamedTuple):
    """A list or tuple: ``['L', type, length, items]``."""
    type: str
    length: int
    items: list


class MappingDesc(NamedTuple):
    """A dict: ``['D', {key: description}]``."""
    items: dict


class ObjectDesc(NamedTuple):
    """An mmdet result object: ``['O', class, {attribute: description}]``."""
    cls: str
    attrs: dict


_TAGS = {TensorDesc: 'T', ValueDesc: 'V', SequenceDesc: 'L',
         MappingDesc: 'D', ObjectDesc: 'O'}
_BY_TAG = {tag: kind for kind, tag in _TAGS.items()}


def describe_to_json(desc):
    """The JSON list of a description (``None`` stays ``None``)."""
    if desc is None:
        return None
    if isinstance(desc, TensorDesc):
        out = ['T', desc.shape, desc.dtype]
        return out + [desc.summary] if desc.summary else out
    if isinstance(desc, SequenceDesc):
        return ['L', desc.type, desc.length,
                [describe_to_json(d) for d in desc.items]]
    if isinstance(desc, MappingDesc):
        return ['D', {k: describe_to_json(d) for k, d in desc.items.items()}]
    if isinstance(desc, ObjectDesc):
        return ['O', desc.cls,
                {k: describe_to_json(d) for k, d in desc.attrs.items()}]
    return ['V', desc.value]


def describe_from_json(data):
    """The named description of a JSON list (``None`` stays ``None``)."""
    if data is None:
        return None
    kind = _BY_TAG.get(data[0])
    if kind is None:
        raise ValueError(f'unknown description tag {data[0]!r}')
    if kind is SequenceDesc:
        return SequenceDesc(data[1], data[2],
                            [describe_from_json(d) for d in data[3]])
    if kind is MappingDesc:
        return MappingDesc({k: describe_from_json(d)
                            for k, d in data[1].items()})
    if kind is ObjectDesc:
        return ObjectDesc(data[1], {k: describe_from_json(d)
                                    for k, d in data[2].items()})
    return kind(*data[1:])


# encoding ----------------------------------------------------------------------
def encode(records):
    """The JSON lines of ``records``, one object per line."""
    return ''.join(
        json.dumps(r.to_dict(), separators=(',', ':'), ensure_ascii=False) +
        '\n' for r in records)


def decode(text):
    """The records of JSON lines written by :func:`encode`."""
    return [TraceRecord.from_dict(json.loads(line))
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
        """Write ``records``; returns the text written."""
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
                record = TraceRecord.from_dict(data)
            except TypeError as err:
                raise ValueError(f'{path}:{number}: not a trace record: '
                                 f'{err}') from None
            except ValueError as err:
                raise ValueError(f'{path}:{number}: {err}') from None
            key = (record.phase, record.iteration)
            if record.kind == 'symbols':
                groups[key] = []
            groups.setdefault(key, []).append(record)
    complete = OrderedDict(
        (key, step_records(g)) for key, g in groups.items()
        if g and g[0].kind == 'symbols' and any(r.kind == 'summary'
                                                 for r in g))
    if problems is not None:
        if torn:
            problems.append(f'{path}: left out {len(torn)} line(s) that do '
                            f'not parse (a torn write): line(s) {torn}')
        cut = [key for key in groups if key not in complete]
        if cut:
            problems.append(f'{path}: left out step(s) cut short, '
                            f'(phase, iteration): {cut}')
    return list(complete.values())
