"""Where a function is defined, written relative to its installed package
(``mmdet/models/dense_heads/rpn_head.py:41``), as the trace names it, and
the function that a ``'module:Qualified.name'`` string names."""
import functools
import importlib
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


def resolve(spec):
    """``(function, owner class or None)`` of ``'module:Qualified.name'``."""
    if ':' not in spec:
        raise ValueError(f'listing function {spec!r} must be written '
                         f"'module:Class.method' or 'module:function'")
    module_name, qualname = spec.split(':', 1)
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f'listing function {spec!r}: cannot import '
                         f'{module_name!r} ({err})') from None
    owner = None
    for part in qualname.split('.'):
        owner = obj if inspect.isclass(obj) else owner
        try:
            obj = vars(obj)[part] if inspect.isclass(obj) else getattr(
                obj, part)
        except (KeyError, AttributeError):
            hint = ''
            if inspect.isclass(obj) and hasattr(obj, part):
                definer = next(k for k in obj.__mro__ if part in vars(k))
                hint = (f'; {obj.__name__} inherits it: name the class that '
                        f"defines it, '{definer.__module__}:"
                        f"{definer.__name__}.{part}'")
            raise ValueError(f'listing function {spec!r}: {qualname!r} is '
                             f'not defined in {module_name}{hint}') from None
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    func = _inside_closures(inspect.unwrap(obj), qualname.rsplit('.', 1)[-1])
    if not hasattr(func, '__code__'):
        raise ValueError(f'listing function {spec!r} is not a Python '
                         f'function')
    return func, owner


def _inside_closures(func, name):
    """The function named ``name`` that a decorator without
    ``functools.wraps`` (such as ``mmcv.jit``) keeps in its closure; the
    wrapper's code is shared by every function it wraps."""
    seen = 0
    while getattr(func, '__name__', name) != name and seen < 4:
        inner = [
            cell.cell_contents for cell in (func.__closure__ or ())
            if inspect.isfunction(cell.cell_contents)
        ]
        if not inner:
            break
        func = inspect.unwrap(
            next((f for f in inner if f.__name__ == name), inner[0]))
        seen += 1
    return func
