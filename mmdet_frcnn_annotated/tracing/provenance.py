"""Which mmdet function really ran: resolved through the MRO.

``RPNHead().forward_train`` is defined by neither RPNHead nor AnchorHead but
by ``BaseDenseHead``; :func:`mmdet_method` finds that class, skipping this
package's own subclasses, and reports the file and line of the definition
relative to the installed package (``mmdet/models/...py:48``).
"""
import functools
import inspect
import os.path as osp

_OWN_PACKAGE = __name__.split('.')[0]


def _relative_source(func):
    func = inspect.unwrap(func)
    try:
        path = inspect.getsourcefile(func)
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return None
    module = inspect.getmodule(func)
    top = module.__name__.split('.')[0] if module else None
    if top:
        root = __import__(top)
        base = osp.dirname(osp.dirname(osp.abspath(root.__file__)))
        path = osp.relpath(osp.abspath(path), base)
    return f'{path}:{line}'


@functools.lru_cache(maxsize=None)
def _resolve_method(cls, name):
    for klass in cls.__mro__:
        if klass.__module__.split('.')[0] == _OWN_PACKAGE:
            continue
        if name in vars(klass):
            func = vars(klass)[name]
            return f'{klass.__name__}.{name}', _relative_source(func)
    raise AttributeError(f'{cls.__name__} has no method {name!r} outside '
                         f'{_OWN_PACKAGE}')


def mmdet_method(obj, name):
    """``('Class.method', 'file:line')`` of the upstream method on ``obj``."""
    cls = obj if isinstance(obj, type) else type(obj)
    return _resolve_method(cls, name)


@functools.lru_cache(maxsize=None)
def function_origin(func):
    """``('module.function', 'file:line')`` of a plain function."""
    func = inspect.unwrap(func)
    return f'{func.__module__}.{func.__qualname__}', _relative_source(func)
