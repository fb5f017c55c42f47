"""Registration into mmdet's registries that survives a second import.

:func:`register` registers a class under its own name. When the name is
already taken by a class of the same module and qualified name (the package
was imported twice, reloaded, or imported by ``custom_imports`` and again by
hand) the newer definition replaces it; a different class of that name is
still a conflict and mmcv's "already registered" KeyError stands.

:func:`explain_unknown_types` makes mmdet's "X is not in the Y registry"
KeyError also list the names this package registers, so a misspelt
``Annotated...`` type is quick to spot. mmdet 2.11 builds models, datasets
and hooks through ``build_from_cfg`` imported into these modules, so the
wrapper is installed there, once.
"""
import functools
import importlib

REGISTERED = {}  # registry name -> names this package registered there

_BUILDER_MODULES = ('mmdet.models.builder', 'mmdet.apis.train',
                    'mmdet.datasets.builder')


def _same_class(a, b):
    return (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def register(registry):
    """Class decorator: register into ``registry``, tolerating re-imports."""

    def decorator(cls):
        existing = registry.module_dict.get(cls.__name__)
        force = existing is not None and _same_class(existing, cls)
        registry.register_module(module=cls, force=force)
        REGISTERED.setdefault(registry.name, [])
        if cls.__name__ not in REGISTERED[registry.name]:
            REGISTERED[registry.name].append(cls.__name__)
        return cls

    return decorator


def _registered_names():
    return '; '.join(f'{registry}: {", ".join(sorted(names))}'
                     for registry, names in sorted(REGISTERED.items()))


def _explaining(build_from_cfg):

    @functools.wraps(build_from_cfg)
    def build(*args, **kwargs):
        try:
            return build_from_cfg(*args, **kwargs)
        except KeyError as err:
            message = str(err.args[0]) if err.args else ''
            if 'registry' in message and 'mmdet_frcnn_annotated' not in (
                    message):
                raise KeyError(f'{message} (mmdet_frcnn_annotated '
                               f'registers {_registered_names()})') from err
            raise

    build.explains_unknown_types = True
    return build


def explain_unknown_types():
    """Wrap mmdet's ``build_from_cfg`` references; idempotent."""
    for name in _BUILDER_MODULES:
        module = importlib.import_module(name)
        current = module.build_from_cfg
        if not getattr(current, 'explains_unknown_types', False):
            module.build_from_cfg = _explaining(current)
