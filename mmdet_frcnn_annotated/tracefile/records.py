"""Plain-data records of a traced step, and the named descriptions of the
values a line bound (inside ``call`` records)."""
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
