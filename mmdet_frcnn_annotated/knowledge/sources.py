"""Where a function is defined, written relative to its installed package
(``mmdet/models/dense_heads/rpn_head.py:41``), as the trace names it."""
import functools
import inspect
import os.path as osp


def relative_source(func):
    """``'pkg/file.py:line'`` of ``func``'s definition, or ``None``."""
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
def function_origin(func):
    """``('module.function', 'file:line')`` of a plain function."""
    func = inspect.unwrap(func)
    return f'{func.__module__}.{func.__qualname__}', relative_source(func)
