"""Which mmdet function really ran: resolved through the MRO.

``RPNHead().forward_train`` is defined by neither RPNHead nor AnchorHead but
by ``BaseDenseHead``; :func:`mmdet_method` finds that class, skipping this
package's own thin subclasses, and reports the file and line of the
definition relative to the installed package (``mmdet/models/...py:48``).
Where this package re-implements the method step by step to see inside it
(``AnnotatedRPNHead._get_bboxes``), that is what ran, and it is named so,
together with the mmdet method whose numerics it reproduces.
"""
import functools

from .sources import function_origin, relative_source
from .watched import WATCHED

__all__ = ['function_origin', 'mmdet_method']

_OWN_PACKAGE = __name__.split('.')[0]


def _reimplemented(klass, name):
    """True when this package's ``klass.name`` re-implements an mmdet method
    step by step (``WATCHED`` names each such method)."""
    spec = f'{klass.__module__}:{klass.__qualname__}.{name}'
    return spec in WATCHED and WATCHED[spec].reproduces is not None


@functools.lru_cache(maxsize=None)
def _resolve_method(cls, name):
    reimplementation = None
    for klass in cls.__mro__:
        if name not in vars(klass):
            continue
        if klass.__module__.split('.')[0] == _OWN_PACKAGE:
            if reimplementation is None and _reimplemented(klass, name):
                reimplementation = klass
            continue
        producer = f'{klass.__name__}.{name}'
        source = relative_source(vars(klass)[name])
        if reimplementation is None:
            return producer, source, None
        own = reimplementation
        return (f'{own.__name__}.{name}',
                relative_source(vars(own)[name]), f'{producer} ({source})')
    raise AttributeError(f'{cls.__name__} has no method {name!r} outside '
                         f'{_OWN_PACKAGE}')


def mmdet_method(obj, name):
    """``('Class.method', 'file:line', reproduces)`` of the method that runs
    on ``obj``: mmdet's, found through the MRO past this package's thin
    overrides, or this package's step-by-step re-implementation of it, and
    then ``reproduces`` names mmdet's (``'RPNHead._get_bboxes
    (mmdet/...:82)'``; else ``None``)."""
    cls = obj if isinstance(obj, type) else type(obj)
    return _resolve_method(cls, name)
